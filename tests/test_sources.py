"""Sources: a new source written in one file (tests/seam_source.py) plugged into a running `performer play` with
--source, its counters, HUD line and close through the hub; a source that breaks leaves the others running; a
--source that cannot be loaded is one line; the keyboard is one path to the built-in keys and the mappings."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import imageio.v3 as iio
import mido
import numpy as np
import pytest

from performer.cli import build_parser
from performer.controls.cli_options import source_factories
from performer.controls.events import ControlEvent
from performer.controls.hub import ControlHub
from performer.palettes import PALETTE_NAMES
from performer.render.cppn_renderer import CppnRenderer
from performer.render.weights import CppnWeights
from performer.render.window import HeadlessSurface
from performer.session import build_session
from performer.soak_inputs import FakeMidiBackend
from performer.state import PerformanceState

BOARD = FakeMidiBackend("Board")  # one port whose callback the tests call, as rtmidi's thread would

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
SEAM_Z = (1.5, -1.0, 0.5, 2.0, -2.0, 0.0, 1.0, -0.5)  # what seam_source sends unless told otherwise


def play_args(tmp_path, model, *more: str):
    argv = ["play", "--headless", "--model", str(model), "--size", "32x24", "--no-osc", "--no-midi", "--no-prints"]
    argv += ["--no-reload", "--weights", "texture", "--landmarks", str(tmp_path / "none.yaml")]
    argv += ["--record-dir", str(tmp_path / "rec"), "--snapshot-dir", str(tmp_path / "snaps"), *more]
    return build_parser().parse_args(argv)


def test_a_source_in_one_file_plugs_into_a_running_play(tmp_path, random_model_file):
    """`performer play --source seam_source:make` in a subprocess: the frame it writes is the one the source's
    latents and palette give, rendered here independently; the source saw every frame and was closed."""
    model, out, report = random_model_file[0], tmp_path / "frame.png", tmp_path / "seam.json"
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(PYTHONPATH=os.pathsep.join([str(TESTS), env.get("PYTHONPATH", "")]), PERFORMER_SEAM_SOURCE=str(report))
    command = [sys.executable, "-m", "performer.cli", "play", "--headless", "--size", "48x32", "--no-midi"]
    command += ["--no-osc", "--no-prints", "--no-reload", "--weights", "texture", "--model", str(model)]
    command += ["--landmarks", str(tmp_path / "none.yaml"), "--frames", "3", "--source", "seam_source:make"]
    command += ["--out", str(out)]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(report.read_text()) == {"frames": 3, "latent_dim": 8, "closed": True}

    surface = HeadlessSurface((48, 32))
    renderer = CppnRenderer(surface.ctx, CppnWeights.from_file(model), "texture")
    try:
        state = PerformanceState(z=np.array(SEAM_Z, dtype=np.float32))
        state.set("palette", PALETTE_NAMES.index("ember"))
        expected = renderer.render(state, (48, 32)).read_rgb()
        plain = renderer.render(PerformanceState(), (48, 32)).read_rgb()
    finally:
        renderer.release()
        surface.close()
    played = iio.imread(out)
    assert np.abs(expected.astype(int) - plain.astype(int)).mean() > 5  # the source's pose shows
    assert np.array_equal(played, expected)


def test_a_source_counts_shows_and_closes_through_the_hub(tmp_path, random_model_file, monkeypatch):
    monkeypatch.setenv("PERFORMER_SEAM_SOURCE", str(tmp_path / "seam.json"))
    args = play_args(tmp_path, random_model_file[0], "--source", "seam_source:make")
    weights = CppnWeights.from_file(args.model)
    surface = HeadlessSurface(args.size)
    session = build_session(args, surface, weights, PerformanceState(latent_dim=weights.latent_dim))
    hub, state = session.hubs[0], session.app.state
    try:
        session.app.step(0.1, 0.1)
        session.app.step(0.2, 0.1)
        assert np.array_equal(state.z, np.array(SEAM_Z, dtype=np.float32)) and state.palette_name == "ember"
        assert "SEAM 2 frames" in hub.status_lines()
        assert hub.all_stats()["seam_frames"] == 2 and hub.stats["writes"] == 9  # 8 latents, the palette
    finally:
        session.close()
        surface.close()
    assert json.loads((tmp_path / "seam.json").read_text())["closed"]


class Broken:
    name, stats = "broken", {}

    def events(self, now):
        raise RuntimeError("driver hiccup")

    def status_line(self):
        return None

    def error_lines(self):
        return []

    def close(self):
        pass


def no_device(setup):
    raise OSError("no such device")


def test_a_source_that_breaks_leaves_the_others_running(tmp_path, caplog):
    mapping = tmp_path / "board.yaml"
    mapping.write_text("controls:\n  - {cc: 7, to: z1}\n")
    hub = ControlHub([mapping], osc=False, midi_backend=BOARD, sources=[Broken(), no_device]).start()
    state = PerformanceState()
    try:
        hub.midi.scan_interval = 0
        with caplog.at_level(logging.ERROR):
            for frame in range(5):
                BOARD.callback(mido.Message("control_change", control=7, value=127 * (frame % 2)))
                hub.update(state, frame * 0.1, 0.1)
                assert state.z[0] == (3.0 if frame % 2 else -3.0)  # MIDI arrives every frame all the same
        assert hub.stats["update_errors"] == 5
        assert sum("source 1 failed" in r.getMessage() for r in caplog.records) == 1  # logged once, not per frame
        assert hub.error_lines() == ["source 2 cannot start: OSError: no such device"]
    finally:
        hub.close()


BAD_SOURCES = [
    ("no_such_module:make", "cannot import no_such_module (ModuleNotFoundError: No module named 'no_such_module')"),
    ("seam_source:nothing", "seam_source has no function nothing"),
    ("seam_source", "expected MODULE:FUNCTION, got 'seam_source'"),
]


@pytest.mark.parametrize(("spec", "why"), BAD_SOURCES)
def test_a_source_that_cannot_be_loaded_is_one_line(spec, why, capsys):
    args = build_parser().parse_args(["play", "--headless", "--source", spec])
    with pytest.raises(SystemExit) as exit_:
        source_factories(args)
    assert exit_.value.code == 2
    assert capsys.readouterr().err.splitlines() == [f"performer play: --source {spec}: {why}"]


def test_play_refuses_a_bad_source_before_anything_starts(tmp_path, random_model_file):
    command = [sys.executable, "-m", "performer.cli", "play", "--headless", "--model", str(random_model_file[0])]
    command += ["--no-osc", "--no-midi", "--no-prints", "--frames", "1", "--source", "no_such_module:make"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith("performer play: --source no_such_module:make: cannot")
    assert "Traceback" not in result.stderr


def test_the_keyboard_is_one_path_to_the_built_in_keys_and_the_mappings(tmp_path, random_model_file):
    """The window's key callback: H shows the HUD at once (the built-in table), and the same keys reach the
    hub's mappings: keyboard.yaml's Up held for 1 s zooms by its rate, 1.0 a second."""
    args = play_args(tmp_path, random_model_file[0], "--mapping", str(ROOT / "mappings" / "keyboard.yaml"))
    weights = CppnWeights.from_file(args.model)
    surface = HeadlessSurface(args.size)
    session = build_session(args, surface, weights, PerformanceState(latent_dim=weights.latent_dim))
    hub, state = session.hubs[0], session.app.state
    try:
        surface.on_key("h", True, False)
        assert state.hud  # before any frame: the built-in key fired at once
        surface.on_key("h", False, False)
        surface.on_key("up", True, False)
        for frame in range(10):
            session.app.step(0.1 * (frame + 1), 0.1)
        surface.on_key("up", False, False)
        session.app.step(1.1, 0.1)
        assert state.params["zoom"] == pytest.approx(2.0)
        assert hub.stats["key_unmapped"] == 2  # H down and up reached the hub too; no mapping binds H
    finally:
        session.close()
        surface.close()


def test_a_learned_file_over_its_bound_is_refused_before_it_is_read(tmp_path):
    from performer.controls.learn import write_learned
    from performer.safe_files import FILE_BOUNDS

    path = tmp_path / "learned.yaml"
    bound = FILE_BOUNDS["mapping"].max_bytes
    path.write_text("# padding\n" * (bound // 10 + 1) + "controls: []\n")
    with pytest.raises(ValueError, match="learned|mapping"):
        write_learned(path, {"cc": 3, "to": "z1"})
    assert path.stat().st_size > bound  # left as it was


def test_events_carry_the_value_checked_where_they_entered():
    from performer.sources.joystick import JoystickInput, JoystickSnapshot
    from performer.sources.osc import osc_event

    joysticks = JoystickInput(reader=object())
    events = joysticks.feed(JoystickSnapshot(0, "Pad", (float("nan"), float("inf"), 0.5)), 0.0)
    assert [(e.number, e.value) for e in events] == [(2, 0.5)] and joysticks.stats["bad_values"] == 2

    assert osc_event("/a", [0.5]).value == 0.5 and osc_event("/a", []).value == 1.0
    assert osc_event("/a", [True]).value == 1.0
    for bad in (float("nan"), float("inf"), 1e30, "ember", None):
        event = osc_event("/a", [bad])
        assert event.value is None and event.args == (bad,)
    assert ControlEvent("osc", "/a", None, args=("x",)).label() == "osc /a = x"  # a name: shown as sent
    assert ControlEvent("osc", "/a", None).label() == "osc /a = ?"


def test_a_board_plugged_in_by_hand_keeps_its_ports_through_a_mapping_reload(tmp_path):
    """soak's case: with MIDI off, a virtual board set as hub.midi; a mapping file naming another port is
    (re)loaded. The board keeps its port and no 'not found' line appears; with MIDI on, the file's port is
    asked for as before."""
    from performer.sources.midi import MidiInput

    mapping = tmp_path / "board.yaml"
    mapping.write_text("controls:\n  - {cc: 7, to: z1}\n")
    for midi_on, patterns, problems in ((False, ("Board",), 0), (True, ("nanoKONTROL2",), 1)):
        hub = ControlHub([mapping], osc=False, midi=midi_on, midi_backend=BOARD).start()
        try:
            hub.midi = MidiInput(["Board"], backend=BOARD, scan_interval=0).start()
            mapping.write_text("midi:\n  inputs: [nanoKONTROL2]\ncontrols:\n  - {cc: 8, to: z2}\n")
            assert hub.check_reload()
            assert hub.midi.patterns == patterns
            lines = hub.error_lines()
            assert len(lines) == problems and all("'nanoKONTROL2': not found" in line for line in lines)
        finally:
            hub.close()
            mapping.write_text("controls:\n  - {cc: 7, to: z1}\n")
