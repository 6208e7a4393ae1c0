"""`performer render`: frame-exact and repeatable, exact size, loops that close, failures that say so."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import yaml

from performer.cli import main
from performer.record.codecs import CODECS
from performer.record.offline import frame_hash, frame_positions, render_frames
from performer.record.probe import frames_kept, probe, read_frames
from performer.walks.keyframes import Keyframe, KeyframeWalk
from performer.walks.pose import Pose

NOISE = {"kind": "noise", "seed": 3, "center": {"z": [0.5] * 8}, "radius": 1.0, "amplitude": 2.0, "period": 2.0}


def write_walk(tmp_path, data: dict):
    path = tmp_path / "walk.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def render(tmp_path, model, walk, name: str, *extra: str) -> int:
    return main(
        [
            "render",
            str(walk),
            "--out",
            str(tmp_path / name),
            "--model",
            str(model),
            "--no-progress",
            "--landmarks",
            str(tmp_path / "none.yaml"),
            *extra,
        ]
    )


def test_same_walk_and_seed_give_the_same_frames(tmp_path, random_model_file):
    model = random_model_file[0]
    walk = write_walk(tmp_path, NOISE)
    args = ("--size", "30x18", "--fps", "4", "--hashes")
    assert render(tmp_path, model, walk, "a.mp4", *args, str(tmp_path / "a.txt")) == 0
    assert render(tmp_path, model, walk, "b.mp4", *args, str(tmp_path / "b.txt")) == 0
    a, b = (tmp_path / "a.txt").read_text().split(), (tmp_path / "b.txt").read_text().split()
    assert a == b and len(a) == 8  # one 2 s loop at 4 fps
    assert len(set(a)) == 8  # and the walk moves: every frame differs
    assert render(tmp_path, model, walk, "c.mp4", *args, str(tmp_path / "c.txt"), "--seed", "4") == 0
    assert (tmp_path / "c.txt").read_text().split() != a
    info = probe(tmp_path / "a.mp4")
    assert (info.size, info.frames, info.fps, info.codec) == ((30, 18), 8, 4.0, "h264")


def test_beats_duration_and_codec(tmp_path, random_model_file, capsys):
    model = random_model_file[0]
    walk = write_walk(tmp_path, {**NOISE, "unit": "beats", "bpm": 120, "period": 8})  # 8 beats at 120 = 4 s
    assert render(tmp_path, model, walk, "x.mov", "--size", "20x12", "--fps", "3", "--codec", "hap") == 0
    info = probe(tmp_path / "x.mov")
    assert (info.size, info.frames, info.codec) == ((20, 12), 12, "hap")
    assert "12 frames, 20x12 at 3 fps" in capsys.readouterr().out
    assert (
        render(tmp_path, model, walk, "y.mov", "--size", "20x12", "--fps", "3", "--codec", "prores", "--bpm", "60") == 0
    )
    assert probe(tmp_path / "y.mov").frames == 24  # the same 8 beats at 60 BPM: 8 s


def test_looped_walk_frame_n_is_frame_0(random_model_file):
    from performer.render.context import create_headless_context
    from performer.render.cppn_renderer import CppnRenderer
    from performer.render.weights import CppnWeights

    a, b = np.zeros(8), np.r_[np.full(4, 1.5), np.full(4, -1.0)]
    walk = KeyframeWalk([Keyframe(Pose(a), 1.0), Keyframe(Pose(b), 1.5)], "smooth", loop=True)
    positions = frame_positions(walk, fps=10.0, bpm=120.0)
    assert len(positions) == 25 and positions[-1] == pytest.approx(2.4)
    ctx = create_headless_context()
    renderer = CppnRenderer(ctx, CppnWeights.from_generator(random_model_file[1]))
    every = [frame_hash(f) for f in render_frames(renderer, walk, np.r_[positions, walk.duration], (16, 16), 8)]
    assert every[-1] == every[0]  # frame N+1 is frame 0: the loop is seamless
    assert every[1] != every[0] and every[-2] != every[0]
    renderer.release()
    assert ctx.error == "GL_NO_ERROR"


def test_failures_say_what_and_exit_non_zero(tmp_path, random_model_file, capsys):
    model = random_model_file[0]
    walk = write_walk(tmp_path, NOISE)
    assert render(tmp_path, model, walk, "odd.mov", "--size", "30x18", "--codec", "hap") == 2
    assert "hap needs width and height in multiples of 4" in capsys.readouterr().err
    (tmp_path / "dir.mp4").mkdir()  # a video cannot replace a folder: said before any frame is rendered
    assert render(tmp_path, model, walk, "dir.mp4", "--size", "16x16", "--fps", "2") == 2
    assert f"--out {tmp_path / 'dir.mp4'} is a folder; give a file name" in capsys.readouterr().err
    bad = write_walk(tmp_path, {**NOISE, "amplitude": 9})
    assert render(tmp_path, model, bad, "bad.mp4") == 2
    assert "walk.yaml: amplitude" in capsys.readouterr().err
    endless = write_walk(tmp_path, {"kind": "random", "start": {"z": [0] * 8}})
    assert render(tmp_path, model, endless, "r.mp4") == 2
    assert "--duration" in capsys.readouterr().err


def test_a_walk_with_a_learned_print_stylises_every_frame(tmp_path, capsys):
    """Offline, each frame gets the learned print of its own latent (stylised before it is drawn), the same
    on every render; a walk whose prints are off or procedural never loads torch for them."""
    from performer.commands.render import uses_learned_prints
    from performer.paths import DEFAULT_MODEL
    from performer.walks.schema import load_walk

    keys = [{"z": [1.5, 0, 0, 0, 0, 0, 0, 0], "duration": 1}, {"z": [-1.5, 0, 0, 0, 0, 0, 1, 0], "duration": 1}]
    printed = [{**k, "print_opacity": 1.0, "print_a": 6, "print_b": 6} for k in keys]  # slot 6: 4th learned
    cases = {
        "learned": printed,
        "procedural": [{**k, "print_a": 1, "print_b": 2} for k in printed],
        "off": [{**k, "print_opacity": 0.0} for k in printed],
    }
    hashes = {}
    for name, keyframes in cases.items():
        walk = write_walk(tmp_path, {"kind": "keyframes", "unit": "seconds", "loop": True, "keyframes": keyframes})
        _, loaded = load_walk(walk, [], 8)
        assert uses_learned_prints(loaded, np.linspace(0, 2, 8, endpoint=False), 8) == (name == "learned")
        for run in ("a", "b") if name == "learned" else ("a",):
            out = tmp_path / f"{name}-{run}.txt"
            assert (
                render(
                    tmp_path,
                    DEFAULT_MODEL,
                    walk,
                    f"{name}-{run}.mp4",
                    "--size",
                    "48x48",
                    "--fps",
                    "3",
                    "--hashes",
                    str(out),
                )
                == 0
            )
            hashes[f"{name}-{run}"] = out.read_text().split()
    assert hashes["learned-a"] == hashes["learned-b"]  # repeatable, print included
    assert all(a != b for a, b in zip(hashes["learned-a"], hashes["off-a"], strict=True))  # the print shows
    assert all(a != b for a, b in zip(hashes["learned-a"], hashes["procedural-a"], strict=True))
    assert len(set(hashes["learned-a"])) == len(set(hashes["off-a"])) > 1  # frames differ where the walk moves


@pytest.mark.parametrize("codec", sorted(CODECS))
def test_ctrl_c_mid_render_leaves_a_playable_file_with_the_frames_it_printed(tmp_path, random_model_file, codec):
    """SIGINT to the render's whole process group, as a terminal's Ctrl-C sends it (ffmpeg included, were
    it in the group): the command stops, finishes the file and says how many frames it holds; the file
    decodes to exactly that many frames, and its own index (moov) says the same."""
    walk = write_walk(tmp_path, NOISE)
    out = tmp_path / f"clip{CODECS[codec].extension}"
    command = [
        sys.executable,
        "-m",
        "performer.cli",
        "render",
        str(walk),
        "--out",
        str(out),
        "--size",
        "32x32",
        "--fps",
        "240",
        "--duration",
        "60",
        "--codec",
        codec,
        "--no-progress",
        "--model",
        str(random_model_file[0]),
        "--landmarks",
        str(tmp_path / "none.yaml"),
    ]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )  # its own process group, like a shell job
    deadline = time.monotonic() + 60
    while not any("clip" in p.name for p in tmp_path.iterdir()) and process.poll() is None:  # ffmpeg started
        assert time.monotonic() < deadline
        time.sleep(0.02)
    time.sleep(0.5)  # frames are flowing
    os.killpg(process.pid, signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    match = re.search(r"^interrupted: (\d+) frames written to (.+?) \(", stdout, re.M)
    assert match, stdout + stderr
    frames, path = int(match[1]), match[2]
    assert path == str(out) and 0 < frames < 60 * 240
    assert not list(tmp_path.glob(".*"))  # no partial file left
    info = probe(out)
    fps = 25.0 if CODECS[codec].sequence else 240.0  # a png sequence stores no rate: ffmpeg reads it at 25
    stored = "hap" if codec.startswith("hap") else "prores" if codec.startswith("prores") else codec
    assert (info.size, info.codec, info.fps) == ((32, 32), stored, fps)
    assert len(read_frames(out)) == frames  # every frame decodes
    assert frames_kept(out) == frames  # and the index (a png sequence: its whole frames) says so
