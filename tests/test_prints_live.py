"""Prints in the shader and the render loop, on a headless EGL context: procedural prints, the learned
texture resampled in garment space, blending, a broken print file, and a slow worker that must not slow
the loop."""

from __future__ import annotations

import logging
import math
import os
import statistics
import time

import numpy as np
import pytest
import torch

from performer.app import App
from performer.model.config import ModelConfig
from performer.model.cppn import CPPN, coordinate_grid
from performer.prints.live import PrintLayer, start_prints
from performer.prints.worker import PrintWorker
from performer.render.cppn_renderer import CppnRenderer
from performer.render.weights import CppnWeights
from performer.render.window import HeadlessSurface
from performer.state import PerformanceState

NAVY = np.array([0.08, 0.11, 0.28])
CREAM = np.array([0.96, 0.93, 0.84])


def constant_cppn(out_bias: float) -> CppnWeights:
    """A CPPN whose output is sigmoid(out_bias) everywhere: a garment that fills the frame (or nothing)."""
    model = CPPN(ModelConfig()).eval()
    with torch.no_grad():
        for param in model.parameters():
            param.zero_()
        model.out.bias.fill_(out_bias)
    return CppnWeights.from_generator(model)


FULL_LEVEL = 1.0 / (1.0 + math.exp(-8.0))


@pytest.fixture(scope="module")
def surface():
    made = HeadlessSurface((128, 128))
    yield made
    made.close()


@pytest.fixture(scope="module")
def full(surface):
    renderer = CppnRenderer(surface.ctx, constant_cppn(8.0), "texture")
    yield renderer
    renderer.release()


@pytest.fixture(scope="module")
def empty(surface):
    renderer = CppnRenderer(surface.ctx, constant_cppn(-8.0), "texture")
    yield renderer
    renderer.release()


def draw(renderer, size=(128, 128), **params) -> np.ndarray:
    state = PerformanceState()
    for name, value in params.items():
        state.set(name, value)
    image = renderer.render(state, size).read_rgb().astype(np.float64)
    assert renderer.ctx.error == "GL_NO_ERROR"
    return image


def garment_xy(width, height, zoom=1.0, pan=(0.0, 0.0), degrees=0.0) -> np.ndarray:
    """Garment coordinates of every pixel centre, [H, W, 2], from the torch reference (not the shader)."""
    grid = coordinate_grid(width, height, 1.0, zoom, pan, math.radians(degrees))[:, :2]
    return grid.reshape(height, width, 2).numpy().astype(np.float64)


def test_stripes_on_a_full_garment_follow_the_garment_coordinate(full):
    """Stripes: 4 periods per garment unit, navy a third of each period; 128 px span 2 units, so the period
    is 16 px. Procedural prints are shaded by 0.35 + 0.65 * level."""
    got = draw(full, print_opacity=1.0, print_a=0, print_b=0) / 255.0
    y = garment_xy(128, 128)[..., 1]
    distance = np.abs(np.mod(4.0 * y, 1.0) - 0.5)  # 0 mid-band
    shade = 0.35 + 0.65 * FULL_LEVEL
    navy, cream = distance < 1 / 6 - 0.05, distance > 1 / 6 + 0.05
    assert navy.sum() > 3000 and cream.sum() > 6000
    assert np.abs(got[navy] - NAVY * shade).max() < 2.5 / 255
    assert np.abs(got[cream] - CREAM * shade).max() < 2.5 / 255


def test_print_scale_and_zoom_change_the_period(full):
    got = draw(full, print_opacity=1.0, print_a=0, print_b=0, print_scale=2.0, zoom=0.5)[:, 64, 2]
    # zoom 0.5 doubles the garment span per pixel, scale 2 doubles the periods: 4x -> 4 px period.
    spectrum = np.abs(np.fft.rfft(got - got.mean()))
    assert int(np.argmax(spectrum)) == 128 // 4


def test_no_print_where_there_is_no_garment(empty):
    plain = draw(empty, bg_r=0.5, bg_g=0.25)
    printed = draw(empty, bg_r=0.5, bg_g=0.25, print_opacity=1.0, print_a=1)
    assert np.abs(plain - np.array([127.5, 63.75, 0.0])).max() <= 1.0
    assert np.array_equal(plain, printed)


def test_opacity_zero_is_the_plain_render(full):
    assert np.array_equal(draw(full), draw(full, print_a=2, print_opacity=0.0, print_mix=0.7))


def test_every_procedural_print_differs(full):
    images = [draw(full, print_opacity=1.0, print_a=slot, print_b=slot) for slot in range(3)]
    for i in range(3):
        assert images[i].std() > 20
        for j in range(i):
            assert np.abs(images[i] - images[j]).mean() > 20


def ramp(size: int) -> np.ndarray:
    """Texel (i, j) holds R = (i + 0.5) / size, G = (j + 0.5) / size: linear filtering then returns the
    texture coordinate itself, so the image shows where in the garment frame each pixel sampled."""
    t = (np.arange(size) + 0.5) / size * 255.0
    image = np.zeros((size, size, 3), np.uint8)
    image[..., 0] = np.round(t)[None, :]
    image[..., 1] = np.round(t)[:, None]
    image[..., 2] = 77
    return image


def wait_for_upload(layer: PrintLayer, state: PerformanceState, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while layer.uploads == 0 and time.monotonic() < deadline:
        layer.update(state, 0.0, 0.0)
        time.sleep(0.005)
    assert layer.uploads > 0, "the worker never delivered a texture"


def test_learned_texture_is_sampled_in_garment_space(full):
    """Zoom, pan and rotation of the view move the print with the garment: each pixel reads the texture at
    its own garment coordinate (uv = xy / 2 + 0.5 in the worker's zoom-1 frame)."""
    layer = PrintLayer(full.ctx, ("ramp",), PrintWorker(lambda request: ramp(request.size)))
    full.prints = layer
    try:
        state = PerformanceState()
        for name, value in dict(
            print_opacity=1.0, print_a=3, print_b=3, zoom=1.6, pan_x=0.2, pan_y=-0.15, rotation=30.0
        ).items():
            state.set(name, value)
        wait_for_upload(layer, state)
        got = full.render(state, (120, 90)).read_rgb().astype(np.float64)
        uv = garment_xy(120, 90, 1.6, (0.2, -0.15), 30.0) * 0.5 + 0.5
        inner = ((uv > 0.03) & (uv < 0.97)).all(axis=-1)
        assert inner.sum() > 5000
        assert np.abs(got[..., 0][inner] - uv[..., 0][inner] * 255).max() <= 2.5
        assert np.abs(got[..., 1][inner] - uv[..., 1][inner] * 255).max() <= 2.5
        assert np.abs(got[..., 2][inner] - 77).max() <= 1
    finally:
        full.prints = None
        layer.release()


def test_learned_texture_mirrors_beyond_the_garment_frame_without_a_seam(full):
    """Beyond the worker's frame the texture is mirrored. Where the mirror turns (uv = 1, garment x = 1) the
    ramp peaks smoothly: a repeating wrap would blend the first texel row into the last and draw a line
    across the garment. Zoomed in 8x on that corner, a pixel is a fraction of a texel."""
    layer = PrintLayer(full.ctx, ("ramp",), PrintWorker(lambda request: ramp(request.size)))
    full.prints = layer
    try:
        state = PerformanceState()
        for name, value in dict(print_opacity=1.0, print_a=3, print_b=3, zoom=8.0, pan_x=1.0, pan_y=1.0).items():
            state.set(name, value)
        wait_for_upload(layer, state)
        size = layer.texture.size[0]
        got = full.render(state, (128, 128)).read_rgb().astype(np.float64)
        uv = garment_xy(128, 128, 8.0, (1.0, 1.0)) * 0.5 + 0.5  # 0.9375..1.0625 on both axes
        mirrored = 1.0 - np.abs(1.0 - np.mod(uv, 2.0))
        half_texel = 0.5 / size  # within half a texel of an edge, the edge texel itself (clamped)
        want = np.clip(mirrored, half_texel, 1.0 - half_texel) * 255.0
        assert (uv > 1.0).any() and (uv < 1.0).any()
        assert np.abs(got[..., 0] - want[..., 0]).max() <= 2.5
        assert np.abs(got[..., 1] - want[..., 1]).max() <= 2.5
    finally:
        full.prints = None
        layer.release()


def test_learned_and_procedural_blend_by_the_mix(full):
    solid = np.zeros((256, 256, 3), np.uint8)
    solid[...] = (200, 40, 120)
    layer = PrintLayer(full.ctx, ("solid",), PrintWorker(lambda request: solid))
    full.prints = layer
    try:
        state = PerformanceState()
        for name, value in dict(print_opacity=1.0, print_a=3, print_b=0, print_mix=0.25).items():
            state.set(name, value)
        wait_for_upload(layer, state)
        got = full.render(state, (128, 128)).read_rgb().astype(np.float64) / 255.0
    finally:
        full.prints = None
        layer.release()
    y = garment_xy(128, 128)[..., 1]
    distance = np.abs(np.mod(4.0 * y, 1.0) - 0.5)
    shade = 0.35 + 0.65 * FULL_LEVEL
    navy = distance < 1 / 6 - 0.05
    want = 0.75 * np.array([200, 40, 120]) / 255.0 + 0.25 * NAVY * shade
    assert np.abs(got[navy] - want).max() < 2.5 / 255


def test_a_learned_slot_before_its_first_frame_shows_no_print(full):
    class Idle:  # a worker that never answers
        failed = False

        def submit(self, request): ...

        def latest(self):
            return None

        def stop(self): ...

    layer = PrintLayer(full.ctx, ("never",), Idle())
    full.prints = layer
    try:
        printed = draw(full, print_opacity=1.0, print_a=3, print_b=3)
    finally:
        full.prints = None
        layer.release()
    assert np.array_equal(printed, draw(full))


@pytest.mark.parametrize("content", [None, b"", b"\x00not a safetensors file at all" * 10])
def test_a_missing_or_corrupt_print_file_leaves_play_going(surface, full, tmp_path, caplog, content):
    path = tmp_path / "prints.safetensors"
    if content is not None:
        path.write_bytes(content)
    with caplog.at_level(logging.ERROR, logger="performer.prints.live"):
        layer = start_prints(full.ctx, "unused-model.safetensors", path)
    try:
        message = " ".join(record.getMessage() for record in caplog.records)
        assert str(path) in message and "learned prints off" in message
        assert ("no such print file" in message) if content is None else ("not a readable safetensors" in message)
        assert layer.names == ("stripes", "dots", "check") and layer.worker is None
        state = PerformanceState()
        state.set("print_opacity", 1.0)
        state.set("print_a", 7)  # a learned slot that does not exist: plays the last one (check)
        app = App(surface, full, state, seed=0)
        app.inputs.append(layer)
        assert app.run(3) == 3
        assert np.array_equal(full.target.read_rgb(), surface_check(full))
    finally:
        full.prints = None
        layer.release()


def surface_check(renderer) -> np.ndarray:
    renderer_prints, renderer.prints = renderer.prints, None
    try:
        return draw(renderer, print_opacity=1.0, print_a=2, print_b=2).astype(np.uint8)
    finally:
        renderer.prints = renderer_prints


def test_a_slow_print_worker_does_not_slow_the_render_loop():
    """A worker that takes 500 ms a frame (asleep, so it costs no CPU: only its latency is slow) against one
    that answers at once, both drawing the same learned print (the same shader work), z moving every frame,
    frame by frame; the median of paired ratios within 10%. A loop that waited for
    its worker would take 500 ms a frame."""
    torch.manual_seed(3)
    model = CPPN(ModelConfig()).eval()
    calls = []

    def slow(request):
        calls.append(time.monotonic())
        time.sleep(0.5)
        return ramp(request.size)

    def instant(request):
        return ramp(request.size)

    surface = HeadlessSurface((96, 96))
    renderer = CppnRenderer(surface.ctx, CppnWeights.from_generator(model), "texture")
    layers = {
        "slow": PrintLayer(surface.ctx, ("slow",), PrintWorker(slow)),
        "instant": PrintLayer(surface.ctx, ("instant",), PrintWorker(instant)),
    }
    state = PerformanceState()
    state.set("print_opacity", 1.0)
    state.set("print_a", 3)
    app = App(surface, renderer, state, seed=0)
    times = {"slow": [], "instant": []}
    frames, longest = 0, 0.0
    try:
        for pair in range(80):
            order = list(layers.items()) if pair % 2 else list(layers.items())[::-1]
            for name, layer in order:  # alternate frame by frame: the machine's load hits both alike
                renderer.prints = layer
                app.inputs = [layer]
                state.set_latent(0, math.sin(frames * 0.05))  # a real redraw every frame
                frames += 1
                start = time.perf_counter()
                app.step(frames / 60.0, 1 / 60.0)
                surface.ctx.finish()
                times[name].append(time.perf_counter() - start)
                longest = max(longest, time.perf_counter() - start)
        assert layers["slow"].uploads >= 1, "the slow print was never drawn: the test would prove nothing"
        slow_ms, instant_ms = (statistics.median(times[name]) * 1000 for name in ("slow", "instant"))
        assert len(calls) < len(times["slow"]) / 4, "the worker was not the slow one"
        # each frame against its neighbour of the other kind, so that load drifting over the run cancels
        paired = statistics.median(a / b for a, b in zip(times["slow"], times["instant"], strict=True))
        assert paired <= 1.10, f"{slow_ms:.2f} ms vs {instant_ms:.2f} ms (paired ratio {paired:.3f})"
        assert longest < 0.25, f"a frame took {longest * 1000:.0f} ms: the loop waited for the worker"
    finally:
        for layer in layers.values():
            layer.release()
        renderer.release()
        surface.close()


def test_the_process_worker_prints_what_the_network_prints_here():
    """The live worker runs in another process (spawned): its texture must be the in-process result."""
    from performer.model.checkpoint import load_model
    from performer.paths import DEFAULT_MODEL
    from performer.prints.files import DEFAULT_PRINTS, load_prints
    from performer.prints.process_worker import ProcessPrintWorker
    from performer.prints.stylise import make_stylise
    from performer.prints.worker import PrintRequest

    model = DEFAULT_MODEL if DEFAULT_MODEL.is_file() else pytest.skip("no shipped model yet")
    request = PrintRequest(tuple(np.random.default_rng(1).standard_normal(8)), 0, 2, 0.5, 64)
    worker = ProcessPrintWorker(model, DEFAULT_PRINTS, "cpu", 1)
    try:
        worker.submit(request)
        deadline = time.monotonic() + 60
        while worker.latest() is None and not worker.failed and time.monotonic() < deadline:
            time.sleep(0.02)
        result = worker.latest()
        assert result is not None and result.request == request
    finally:
        worker.stop()
    stylise = make_stylise(load_model(model).generator, load_prints(DEFAULT_PRINTS).net)
    assert result.image.shape == (64, 64, 3)
    assert np.abs(result.image.astype(int) - stylise(request).astype(int)).max() <= 1


def test_a_process_worker_that_cannot_start_turns_learned_prints_off(tmp_path, caplog):
    from performer.prints.process_worker import ProcessPrintWorker
    from performer.prints.worker import PrintRequest

    worker = ProcessPrintWorker(tmp_path / "no-model.safetensors", tmp_path / "no-prints.safetensors")
    try:
        deadline = time.monotonic() + 60
        with caplog.at_level(logging.ERROR, logger="performer.prints.process_worker"):
            while not worker.failed and time.monotonic() < deadline:
                worker.latest()
                time.sleep(0.02)
        assert worker.failed
        assert "print worker could not start" in caplog.text
        assert "no-model.safetensors: no such model file" in caplog.text
        worker.submit(PrintRequest((0.0,) * 8, 0, 0, 0.0))  # ignored, no error
    finally:
        worker.stop()


def test_a_killed_process_worker_is_started_again_then_given_up(caplog):
    """Killed (out of memory, a crash): started again and printing, numbering on; killed once more than
    max_restarts allows: learned prints off, the last texture kept, no exception."""
    import signal

    from performer.paths import DEFAULT_MODEL
    from performer.prints.files import DEFAULT_PRINTS
    from performer.prints.process_worker import ProcessPrintWorker
    from performer.prints.worker import PrintRequest

    worker = ProcessPrintWorker(DEFAULT_MODEL, DEFAULT_PRINTS, "cpu", 1, max_restarts=1)

    def next_result(after: int, z: float):
        worker.submit(PrintRequest((z,) + (0.0,) * 7, 0, 0, 0.0, 32))
        deadline = time.monotonic() + 60
        while (worker.latest() is None or worker.latest().sequence <= after) and time.monotonic() < deadline:
            time.sleep(0.02)
        return worker.latest()

    try:
        first = next_result(0, 0.1)
        assert first is not None and first.sequence == 1
        with caplog.at_level(logging.WARNING, logger="performer.prints.process_worker"):
            os.kill(worker._process.pid, signal.SIGKILL)
            worker._process.join(5)
            second = next_result(1, 0.2)
            assert second is not None and second.sequence == 2 and worker.restarts == 1 and not worker.failed
            assert "starting it again (1 of 1)" in caplog.text
            os.kill(worker._process.pid, signal.SIGKILL)
            worker._process.join(5)
            assert worker.latest() is second and worker.failed  # given up, the last print kept
            assert "learned prints off" in caplog.text
        worker.submit(PrintRequest((0.0,) * 8, 0, 0, 0.0))  # ignored, no error
    finally:
        worker.stop()
