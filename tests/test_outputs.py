"""Outputs on a headless surface: one readback per frame however many outputs want the pixels, a still frame
not read again, a snapshot taking the read already in flight, a failing output counted while the others
go on, a new print redrawing the frame without touching the state, and the seam: an output in one file
plugged into a running `performer play --output`, with no torch in the live process."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import imageio.v3 as iio
import numpy as np
import pytest

from performer.app import App
from performer.outputs.base import CaptureOutput, OutputBase
from performer.prints.live import PrintLayer
from performer.prints.worker import PrintWorker
from performer.render.cppn_renderer import CppnRenderer
from performer.render.weights import CppnWeights
from performer.render.window import HeadlessSurface
from performer.state import PerformanceState

SIZE = (48, 32)
TESTS = Path(__file__).resolve().parent


class Collect(CaptureOutput):
    """Asks for every frame; keeps (frame number, pixels top row first) as they arrive."""

    def __init__(self, label: str) -> None:
        self.label, self.got = label, []

    @property
    def name(self) -> str:
        return self.label

    def frame(self, frame) -> None:
        self.capture(frame, frame.number)

    def pixels(self, data, size, tag) -> None:
        self.got.append((tag, np.frombuffer(data, np.uint8).reshape(size[1], size[0], 3)[::-1].copy()))


class Shown(OutputBase):
    """What the target held at each frame, read on the spot (the reference the readback is checked against)."""

    def __init__(self) -> None:
        self.images = {}

    def frame(self, frame) -> None:
        self.images[frame.number] = frame.target.read_rgb()


@pytest.fixture
def rig(random_model_file):
    surface = HeadlessSurface(SIZE)
    renderer = CppnRenderer(surface.ctx, CppnWeights.from_file(random_model_file[0]), "texture")
    app = App(surface, renderer, PerformanceState(), seed=0)
    yield app
    app.close()
    renderer.release()
    surface.close()


def step(app: App, count: int, moving: bool = True) -> None:
    for _ in range(count):
        if moving:
            app.state.set_latent(0, np.sin(app.frames + 1.0) * 2.0)  # a new picture every frame
        app.step(app.frames / 60.0, 1 / 60.0)


def test_two_outputs_get_every_frame_from_one_read(rig):
    app, shown = rig, Shown()
    recorder, sender = Collect("recorder"), Collect("sender")
    for output in (shown, recorder, sender):
        assert app.add_output(output)
    step(app, 6)
    assert [n for n, _ in recorder.got] == [1, 2, 3, 4]  # two frames still in flight: read a frame later
    recorder.flush_pixels()
    sender.flush_pixels()
    assert [n for n, _ in recorder.got] == [n for n, _ in sender.got] == [1, 2, 3, 4, 5, 6]
    for (number, image), (_, same) in zip(recorder.got, sender.got, strict=True):
        assert np.array_equal(image, shown.images[number]) and np.array_equal(image, same)
    assert len({hashlib.sha256(image).digest() for _, image in recorder.got}) == 6  # six different pictures
    stats = app.readback.stats()
    assert stats["reads"] == 6 and stats["shared"] == 6  # once per frame, not once per output


def test_a_still_frame_is_delivered_without_being_read_again(rig):
    app, shown, recorder = rig, Shown(), Collect("recorder")
    app.add_output(shown)
    app.add_output(recorder)
    step(app, 3)
    step(app, 5, moving=False)
    recorder.flush_pixels()
    assert [n for n, _ in recorder.got] == list(range(1, 9))
    for number, image in recorder.got:
        assert np.array_equal(image, shown.images[number])
    assert app.renders == 3 and app.readback.reads == 3 and app.readback.reused == 5


def test_a_snapshot_takes_the_read_already_in_flight(rig, tmp_path):
    app = rig
    app.snapshots.directory = tmp_path
    step(app, 2)
    first = app.snapshot()  # nobody else reads the frame: one read on the spot
    assert app.readback.stats()["immediate"] == 1
    recorder = Collect("recorder")
    app.add_output(recorder)
    step(app, 3)
    second = app.snapshot()
    assert app.readback.stats() == {"reads": 3, "shared": 0, "reused": 0, "immediate": 1, "in_flight": 2}
    assert np.array_equal(iio.imread(second), app.renderer.target.read_rgb())
    assert not np.array_equal(iio.imread(first), iio.imread(second))
    recorder.flush_pixels()  # the recorder still gets the frame the snapshot mapped early
    assert [n for n, _ in recorder.got] == [3, 4, 5]
    assert np.array_equal(recorder.got[-1][1], iio.imread(second))


def test_an_output_that_fails_is_counted_and_the_others_go_on(rig, caplog):
    class BadPixels(Collect):
        def pixels(self, data, size, tag):
            raise OSError("sender unplugged")

    class WontOpen(OutputBase):
        name = "wont-open"

        def open(self, context):
            raise RuntimeError("no such device")

    app, recorder = rig, Collect("recorder")
    assert not app.add_output(WontOpen())
    for output in (BadPixels("ndi"), recorder):
        app.add_output(output)
    with caplog.at_level("ERROR"):
        step(app, 8)
    assert app.frames == 8 and [n for n, _ in recorder.got] == list(range(1, 7))
    assert "wont-open" not in [getattr(o, "name", "") for o in app.outputs]
    assert {name: count for name, (count, _) in app.failures.items()} == {"wont-open": 1, "ndi": 6}
    assert len([r for r in caplog.records if r.exc_info]) == 2  # one traceback each, not one per frame
    assert any(line.startswith("ndi failed 6x: OSError: sender unplugged") for line in app.errors)


def ramp(request) -> np.ndarray:
    t = np.linspace(0, 255, request.size).astype(np.uint8)
    return np.stack([np.tile(t, (request.size, 1))] * 3, axis=-1)


def test_a_new_print_redraws_the_frame_without_touching_the_state(random_model_file):
    """The print layer is the renderer's print source: when the worker delivers, the renderer's content key
    moves and the app draws again; the state (what inputs write) is left alone."""
    surface = HeadlessSurface(SIZE)
    layer = PrintLayer(surface.ctx, ("ramp",), PrintWorker(ramp))
    renderer = CppnRenderer(surface.ctx, CppnWeights.from_file(random_model_file[0]), "texture", prints=layer)
    state = PerformanceState()
    state.set("print_opacity", 1.0)
    state.set("print_a", 3)  # the learned slot
    state.set("print_b", 3)
    app = App(surface, renderer, state, seed=0)
    try:
        version = state.version
        app.step(0.0, 0.0)
        before = renderer.target.read_rgb()
        deadline = time.monotonic() + 10
        while layer.uploads == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
            app.step(0.0, 0.0)
        assert layer.uploads == 1 and state.version == version
        assert app.renders == 2  # the first frame, and the one the print arrived for
        assert np.abs(renderer.target.read_rgb().astype(int) - before).mean() > 1
        app.step(0.0, 0.0)
        assert app.renders == 2  # nothing new: nothing drawn
    finally:
        app.close()
        layer.release()
        renderer.release()
        surface.close()


def run_play(tmp_path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["PYTHONPATH"] = os.pathsep.join([str(TESTS), env.get("PYTHONPATH", "")])
    env["PERFORMER_SEAM_OUTPUT"] = str(tmp_path / "seam.json")
    command = [
        sys.executable,
        "-m",
        "performer.cli",
        "play",
        "--headless",
        "--size",
        "64x48",
        "--no-midi",
        "--osc-port",
        "0",
        "--no-prints",
        "--no-reload",
        "--landmarks",
        str(tmp_path / "none.yaml"),
        *args,
    ]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout, cwd=tmp_path)


def test_an_output_in_one_file_plugs_into_a_running_play(tmp_path, random_model_file):
    out = tmp_path / "last.png"
    result = run_play(
        tmp_path,
        "--model",
        str(random_model_file[0]),
        "--frames",
        "12",
        "--z",
        "1,-1,0,2,0,0,0,0",
        "--output",
        "seam_output:make",
        "--out",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "seam.json").read_text())
    assert report["frames"] == 12
    assert [d["number"] for d in report["delivered"]] == list(range(1, 13))  # the last ones at close
    assert {tuple(d["size"]) for d in report["delivered"]} == {(64, 48)}
    assert report["delivered"][-1]["sha256"] == hashlib.sha256(iio.imread(out)).hexdigest()


BAD_SPECS = [
    ("no_such_module:make", "cannot import no_such_module"),
    ("seam_output:nothing", "seam_output has no callable nothing"),
    ("seam_output", "expected MODULE:FACTORY"),
]


def test_an_output_that_cannot_be_loaded_is_one_line(tmp_path, random_model_file):
    for spec, words in BAD_SPECS:
        result = run_play(tmp_path, "--model", str(random_model_file[0]), "--frames", "1", "--output", spec)
        assert result.returncode == 2, result.stderr
        lines = result.stderr.strip().splitlines()
        assert lines[-1].startswith(f"performer play: --output {spec}") and words in lines[-1], lines
        assert "Traceback" not in result.stderr


def test_a_live_show_with_learned_prints_keeps_torch_in_the_worker():
    """build_session as play runs it, the shipped model and prints, a learned print on screen: the print
    worker (its own process) stylises, and the live process never imports torch."""
    script = textwrap.dedent("""
        import json, sys, time
        from performer.cli import parse_command
        from performer.session import build_session
        from performer.render.weights import CppnWeights
        from performer.render.window import HeadlessSurface
        from performer.state import PerformanceState
        args = parse_command(["play", "--headless", "--size", "64x48", "--no-midi", "--osc-port", "0",
                              "--no-reload", "--weights", "texture"])  # as `performer play` parses it
        weights = CppnWeights.from_file(args.model)
        surface = HeadlessSurface(args.size)
        session = build_session(args, surface, weights, PerformanceState(latent_dim=weights.latent_dim))
        for name, value in (("print_opacity", 1.0), ("print_a", 3), ("print_b", 3)):
            session.app.state.set(name, value)
        deadline = time.monotonic() + 90
        while session.prints.uploads == 0 and time.monotonic() < deadline:
            session.app.step(time.monotonic(), 0.02)
            time.sleep(0.02)
        result = {"uploads": session.prints.uploads, "renders": session.app.renders,
                  "worker": type(session.prints.worker).__name__, "torch": "torch" in sys.modules}
        session.close()
        surface.close()
        print(json.dumps(result))
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["worker"] == "ProcessPrintWorker" and seen["uploads"] >= 1 and seen["renders"] >= 2, seen
    assert seen["torch"] is False, seen
