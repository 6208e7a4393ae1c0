"""The app loop, keyboard, HUD and hot reload, on a headless surface (no display needed)."""

from __future__ import annotations

import shutil
import time

import imageio.v3 as iio
import numpy as np
import pytest
import torch

from performer.app import App, KeyboardInput
from performer.model.config import ModelConfig
from performer.model.cppn import CPPN
from performer.model.prior import MixturePrior
from performer.outputs.base import CallbackOutput
from performer.render import hud as hud_layout
from performer.render.cppn_renderer import CppnRenderer
from performer.render.hotreload import ShaderReloader
from performer.render.hud import FrameTiming, Hud, signature_points
from performer.render.program import SHADER_DIR
from performer.render.weights import CppnWeights
from performer.render.window import HeadlessSurface
from performer.state import PerformanceState

SIZE = (96, 64)


@pytest.fixture(scope="module")
def weights() -> CppnWeights:
    torch.manual_seed(4)
    model = CPPN(ModelConfig()).eval()
    with torch.no_grad():
        for layer in model.modules():
            if isinstance(layer, torch.nn.Linear):
                layer.weight.normal_(0.0, 1.0)
    return CppnWeights.from_generator(model)


@pytest.fixture(scope="module")
def surface():
    made = HeadlessSurface(SIZE)
    yield made
    made.close()


@pytest.fixture(scope="module")
def renderer(surface, weights):
    made = CppnRenderer(surface.ctx, weights, "texture")  # the quickest to compile
    yield made
    made.release()


@pytest.fixture(scope="module")
def hud(surface):
    made = Hud(surface.ctx)
    yield made
    made.release()


def screen(surface) -> np.ndarray:
    width, height = surface.size
    data = np.frombuffer(surface.screen.read(components=3), dtype=np.uint8).reshape(height, width, 3)
    return data[::-1].astype(int)


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 1 / 60
        return self.now


def make_app(surface, renderer, hud=None, tmp_path=None, reloader=None) -> App:
    state = PerformanceState()
    return App(surface, renderer, state, hud, reloader, snapshot_dir=tmp_path or SHADER_DIR, seed=1, clock=FakeClock())


def test_holding_a_digit_moves_its_latent_smoothly_and_shift_reverses(surface, renderer):
    app = make_app(surface, renderer)
    app.keyboard.on_key("3", True, False)
    app.run(max_frames=60)  # one second at 60 fps
    z = app.state.z.copy()
    # Smoothed towards SPEED: after 1 s, 1.5 * (1 - 0.12 * (1 - e^(-1/0.12))) ~= 1.32, give or take a frame.
    expected = KeyboardInput.SPEED * (1 - KeyboardInput.SMOOTHING * (1 - np.exp(-1 / KeyboardInput.SMOOTHING)))
    assert z[2] == pytest.approx(expected, abs=0.05)
    assert np.count_nonzero(z) == 1
    app.keyboard.on_key("shift", True, True)
    app.run(max_frames=60)
    assert app.state.z[2] < z[2] - 1.0  # Shift lowers it while 3 is still held
    app.keyboard.on_key("3", False, True)
    app.keyboard.on_key("shift", False, False)
    app.run(max_frames=60)
    settled = app.state.z[2]
    app.run(max_frames=30)
    assert app.state.z[2] == pytest.approx(settled, abs=1e-3)  # released: it glides to a stop
    assert surface.ctx.error == "GL_NO_ERROR"


def test_keys_trigger_actions(surface, renderer, tmp_path):
    app = make_app(surface, renderer, tmp_path=tmp_path)
    app.run(max_frames=1)
    app.keyboard.on_key("r", True, False)
    assert np.count_nonzero(app.state.z) == 8  # a random point
    app.prior = MixturePrior(np.array([1.0]), np.full((1, 8), -2.0), np.full((1, 8), 0.01))
    app.keyboard.on_key("i", True, False)
    assert app.state.z == pytest.approx(np.full(8, -2.0), abs=0.06)  # I: the learned prior's one component
    app.keyboard.on_key("h", True, False)
    assert app.state.hud
    app.keyboard.on_key("space", True, False)
    assert app.state.paused
    app.keyboard.on_key("s", True, False)
    saved = iio.imread(app.last_snapshot)
    assert np.array_equal(saved, renderer.target.read_rgb())
    app.keyboard.on_key("escape", True, False)
    assert app.run(max_frames=10) == 0  # quit stops the loop


def test_pause_freezes_the_picture_until_resumed(surface, renderer):
    app = make_app(surface, renderer)
    app.run(max_frames=1)
    before = screen(surface)
    app.trigger("pause")
    app.state.set_z(np.full(8, 3.0))
    app.run(max_frames=2)
    assert np.array_equal(screen(surface), before)
    app.trigger("pause")
    app.run(max_frames=1)
    assert np.abs(screen(surface) - before).mean() > 5


def test_inputs_run_before_drawing_and_hooks_see_each_frame(surface, renderer):
    app = make_app(surface, renderer)
    order = []

    class Pan:
        def update(self, state, now, dt):
            order.append(("input", now))
            state.set("pan_x", state.get("pan_x") + 0.5)

    def hook(target, now):
        order.append(("hook", now))
        assert target.size == SIZE
        assert target.framebuffer is not None

    app.inputs.append(Pan())
    app.add_output(CallbackOutput(hook))
    assert app.run(max_frames=3) == 3
    assert [kind for kind, _ in order] == ["input", "hook"] * 3
    assert app.state.get("pan_x") == pytest.approx(1.5)


def test_signature_curve_passes_through_every_latent():
    z = np.array([1.0, -2.0, 0.5, 3.0, -1.0, 0.0, 2.0, -3.0])
    points = signature_points(z, samples=64)
    centre = np.array([hud_layout.MARGIN + hud_layout.SIG_X, hud_layout.MARGIN + hud_layout.SIG_Y])
    radius = np.hypot(*(points - centre).T)
    assert radius[::8] / hud_layout.SIG_R == pytest.approx(1 + hud_layout.SIG_GAIN * z)
    assert np.diff(radius).max() < 0.2 * hud_layout.SIG_R  # a smooth closed curve, no jumps


def test_hud_draws_bars_signature_and_errors(hud):
    surface = HeadlessSurface((480, 320), hud.ctx)
    state = PerformanceState()
    state.set_z([2.0, -2.0, 0, 0, 0, 0, 0, 0])
    surface.screen.use()
    surface.screen.clear(0, 0, 0)
    hud.draw(
        surface.screen,
        surface.size,
        state,
        FrameTiming(59.9, 3.0, 21.0),
        errors=["cppn.glsl:7: error: boom"],
        status=["REC 00:01.0 WWWWWWWWWWWWWWWWWWWW"],
    )
    image = screen(surface)
    assert hud.ctx.error == "GL_NO_ERROR"
    m, centre = hud_layout.MARGIN, hud_layout.MARGIN + hud_layout.BAR_X + hud_layout.BAR_W / 2
    half = hud_layout.BAR_W / 2
    row1, row2 = (int(m + hud_layout.ROW0 + i * hud_layout.ROW_PITCH) for i in (0, 1))
    # z1 = +2 is half of LATENT_LIMIT: an orange bar reaching 0.5 of the half-track to the right.
    inside, outside = image[row1, int(centre + 0.4 * half)], image[row1, int(centre + 0.6 * half)]
    assert inside[0] > 150 and inside[0] > inside[2] + 80
    assert abs(int(outside[0]) - int(outside[2])) < 10  # grey track only
    # z2 = -2: a blue bar to the left.
    left = image[row2, int(centre - 0.4 * half)]
    assert left[2] > 150 and left[2] > left[0] + 80
    # The signature passes above the circle at latent 1: radius R * (1 + 0.15 * 2).
    top = m + hud_layout.SIG_Y - hud_layout.SIG_R * (1 + hud_layout.SIG_GAIN * 2.0)
    x = int(m + hud_layout.SIG_X)
    assert image[int(round(top)) - 1 : int(round(top)) + 2, x].min(axis=1).max() > 200
    # The error banner is red, at the bottom left.
    bottom = image[-60:, :200].astype(int)
    red = (bottom[..., 0] > 60) & (bottom[..., 1] < 20)
    assert red.sum() > 100
    # Above it the status line: white text, with no red in its rows.
    white_rows = np.flatnonzero((bottom.min(axis=2) > 200).sum(axis=1) > 5)
    red_rows = np.flatnonzero(red.sum(axis=1) > 5)
    status_rows = white_rows[white_rows < red_rows.min()]
    assert len(status_rows) >= 8  # the 5-cell-high glyphs at 2 px a cell
    assert red[status_rows].sum() == 0
    surface.close()


def test_hud_is_drawn_only_when_on(surface, renderer, hud):
    app = make_app(surface, renderer, hud)
    app.run(max_frames=1)
    plain = screen(surface)
    app.trigger("hud")
    app.run(max_frames=1)
    assert np.abs(screen(surface) - plain).sum(axis=2).astype(bool).mean() > 0.05
    assert np.array_equal(renderer.target.read_rgb(), plain)  # the offscreen frame has no HUD


def wait_for_reload(reloader: ShaderReloader, timeout: float = 5.0) -> list[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        names = reloader.poll()
        if names:
            return names
        time.sleep(0.05)
    return []


def test_hot_reload_keeps_the_last_good_program_and_reports_file_line(surface, weights, tmp_path):
    shaders = tmp_path / "shaders"
    shutil.copytree(SHADER_DIR, shaders)
    renderer = CppnRenderer(surface.ctx, weights, "texture", directory=shaders)
    reloader = ShaderReloader(renderer.programs, watch=True)
    try:
        app = make_app(surface, renderer, reloader=reloader)
        app.run(max_frames=1)
        good = screen(surface)
        source = (shaders / "cppn.glsl").read_text()
        lines = source.splitlines()
        broken_line = next(i for i, line in enumerate(lines) if "frag_color = vec4(" in line) + 1
        lines[broken_line - 1] = "    frag_color = vec4(no_such_variable);"
        (shaders / "cppn.glsl").write_text("\n".join(lines) + "\n")
        assert wait_for_reload(reloader) == ["cppn"]
        assert renderer.program.generation == 0  # still the first program
        assert f"cppn.glsl:{broken_line}" in str(renderer.program.error)
        app.run(max_frames=1)
        assert np.array_equal(screen(surface), good)  # the last good program is still drawing
        assert f"cppn.glsl:{broken_line}" in surface.title
        assert any(f"cppn.glsl:{broken_line}" in error for error in app.errors)
        # A good edit replaces it: here, the negative.
        fixed = source.replace(
            "frag_color = vec4(clamp(colour, 0.0, 1.0) * u_master, 1.0);",
            "frag_color = vec4(1.0 - clamp(colour, 0.0, 1.0) * u_master, 1.0);",
        )
        assert fixed != source
        (shaders / "cppn.glsl").write_text(fixed)
        assert wait_for_reload(reloader) == ["cppn"]
        assert renderer.program.generation == 1 and renderer.program.error is None
        app.run(max_frames=1)
        assert np.abs(screen(surface) - (255 - good)).max() <= 1
        assert surface.ctx.error == "GL_NO_ERROR"
    finally:
        reloader.stop()
        renderer.release()


def test_a_frame_waits_for_the_gpu_with_the_gil_released(weights):
    """Other threads (the OSC server, MIDI callbacks) must run while the GPU renders. A probe thread asks to
    wake every millisecond through frames that take tens of milliseconds on llvmpipe; if a GL call blocked
    with the GIL held, the probe would wake about once a frame."""
    import statistics
    import threading

    surface = HeadlessSurface((640, 480))
    renderer = CppnRenderer(surface.ctx, weights, "const")
    state = PerformanceState()
    app = App(surface, renderer, state, seed=0)
    gaps, frames, stop = [], [], threading.Event()

    def probe():
        last = time.perf_counter()
        while not stop.is_set():
            time.sleep(0.001)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    thread = threading.Thread(target=probe, daemon=True)
    try:
        thread.start()
        for i in range(24):
            state.set_latent(0, (i % 12) / 6)  # a new frame every time
            start = time.perf_counter()
            app.step(start, 1 / 60)
            frames.append(time.perf_counter() - start)
    finally:
        stop.set()
        thread.join()
        renderer.release()
        surface.close()
    frame = statistics.median(frames)
    if frame < 0.008:
        pytest.skip(f"frames take {frame * 1000:.1f} ms here: too quick to tell")
    blocked = float(np.percentile(gaps, 95))
    assert blocked < frame / 3, f"probe gaps p95 {blocked * 1000:.1f} ms vs frame {frame * 1000:.1f} ms"


def test_a_failing_input_hook_or_status_line_does_not_stop_the_show(surface, renderer, hud, caplog):
    class BrokenWalk:
        def update(self, state, now, dt):
            raise ZeroDivisionError("tempo 0")

    def broken_hook(target, now):
        raise RuntimeError("encoder gone")

    app = make_app(surface, renderer, hud)
    app.inputs.append(BrokenWalk())
    app.add_output(CallbackOutput(broken_hook))
    app.status_sources.append(lambda: 1 / 0)
    app.state.hud = True
    with caplog.at_level("ERROR"):
        for i in range(5):
            app.state.set_latent(0, i * 0.3)
            app.step(i / 60, 1 / 60)
    assert app.frames == 5  # every frame was drawn and shown
    assert renderer.target.read_rgb().std() > 0
    failures = {name.rsplit(".<locals>.", 1)[-1]: count for name, (count, _) in app.failures.items()}
    assert failures == {"BrokenWalk.update": 5, "broken_hook": 5, "<lambda>": 5}
    assert len([r for r in caplog.records if r.exc_info]) == 3  # one traceback each, not one per frame
    assert any("BrokenWalk.update failed 5x: ZeroDivisionError: tempo 0" in line for line in app.errors)
