"""Arguments of a small headless `performer play` session, for the tests that build one."""

from __future__ import annotations


def headless_play_args(model, tmp_path, landmarks, *extra: str):
    """`performer play --headless` arguments for a small session on loopback: 64x48, OSC on a free port, no
    MIDI, no print worker, no shader watching, recordings at 10 fps under tmp_path; `extra` adds more."""
    from performer.cli import build_parser

    common = ["play", "--headless", "--model", str(model), "--size", "64x48", "--osc-port", "0", "--no-midi"]
    common += ["--landmarks", str(landmarks), "--record-dir", str(tmp_path / "rec"), "--record-fps", "10"]
    return build_parser().parse_args([*common, "--no-reload", "--no-prints", *extra])
