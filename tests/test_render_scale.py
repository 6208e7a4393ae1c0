"""Render scale: the auto controller fed made-up render times (settles, never oscillates, recovers), the
upscale pass against Catmull-Rom worked out in numpy on the same pixels, and play's --render-scale through
the real session (the HUD says it; a snapshot is the upscaled output frame)."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import time

import imageio.v3 as iio
import numpy as np
import pytest
import yaml
from play_args import headless_play_args

from performer.render.scale import HIGH, LEVELS, AutoScale, parse_render_scale, scaled_size

FPS = 60.0
BUDGET = 1.0 / FPS


def run(control: AutoScale, cost, seconds: float, start: float = 0.0, rng=None):
    """Feed `control` one render a frame at FPS for `seconds`; cost(scale, t) is a render's time. Returns
    the scale after every render, with the times they were taken."""
    times, scales = [], []
    t = start
    while t < start + seconds:
        render_s = cost(control.scale, t)
        if rng is not None:
            render_s *= 1.0 + 0.1 * rng.standard_normal()  # a real machine's jitter
        t += max(BUDGET, render_s)
        times.append(t)
        scales.append(control.observe(t, render_s))
    return np.array(times), np.array(scales)


def load(fixed_ms: float, full_ms: float):
    """A render costs fixed_ms plus full_ms at scale 1, in proportion to the pixels (scale squared)."""
    return lambda scale, t: (fixed_ms + full_ms * scale**2) / 1000.0


def test_levels_span_a_quarter_to_full():
    assert LEVELS[0] == 0.25 and LEVELS[-1] == 1.0 and len(LEVELS) == 11
    assert np.allclose(np.diff(np.log(LEVELS)), np.log(4) / 10, atol=1e-3)  # equal ratios


def test_parse_render_scale():
    assert parse_render_scale("auto") == "auto"
    assert parse_render_scale("0.5") == 0.5
    for bad in ("0.2", "1.5", "half", "nan"):
        with pytest.raises(argparse.ArgumentTypeError, match="0.25..1"):
            parse_render_scale(bad)


def test_scaled_size_rounds_and_keeps_one_pixel():
    assert scaled_size((640, 360), 0.25) == (160, 90)
    assert scaled_size((1920, 1080), 0.33) == (634, 356)
    assert scaled_size((2, 2), 0.25) == (1, 1)


def test_a_heavy_load_settles_in_a_second_and_stays():
    """45 ms at full scale (llvmpipe's 640x360) + 2 ms fixed: the largest level whose render fits under
    HIGH of the 16.7 ms budget and whose next level up would not fit under LOW."""
    control = AutoScale(BUDGET)
    cost = load(2.0, 45.0)
    times, scales = run(control, cost, 30.0, rng=np.random.default_rng(1))
    settled = scales[np.searchsorted(times, 2.0) :]
    assert len(set(settled)) == 1, f"moved after 2 s: {sorted(set(settled))}"
    final = settled[-1]
    assert cost(final, 0) <= HIGH * BUDGET  # the budget is held
    up = LEVELS[LEVELS.index(final) + 1]
    assert cost(up, 0) > 0.7 * BUDGET  # and not by more than it must: one level up would not hold it
    assert control.changes <= 3


def test_no_oscillation_at_a_cliff_the_model_does_not_predict():
    """Above 0.7 the cost jumps (a cache falls out, say): the step up from 0.66 is predicted to fit and
    fails every time. The controller takes it back at once and bars it for twice as long each time: a
    handful of tries in two minutes, further and further apart, and the budget held in between."""

    def cliff(scale, t):
        return (1.0 + 16.0 * scale**2 + (20.0 if scale > 0.7 else 0.0)) / 1000.0

    control = AutoScale(BUDGET)
    times, scales = run(control, cliff, 120.0)
    tries = times[1:][(scales[1:] > 0.7) & (scales[:-1] <= 0.7)]
    assert 3 <= len(tries) <= 6, tries
    gaps = np.diff(tries)
    assert np.all(np.diff(gaps) > 0), gaps  # each hold-off longer than the last
    assert np.mean(scales[times > 10.0] <= 0.7) > 0.97  # where it holds, nearly all the time
    assert np.all(scales[times > 2.5] >= 0.65)  # a failed step up goes back one level, no further


def test_recovers_to_full_scale_when_the_load_drops():
    heavy, light = load(2.0, 45.0), load(1.0, 6.0)
    control = AutoScale(BUDGET)
    times, scales = run(control, lambda s, t: heavy(s, t) if t < 10 else light(s, t), 25.0)
    assert scales[np.searchsorted(times, 9.9)] < 0.7
    back = times[(scales == 1.0) & (times > 10)]
    assert len(back) and back[0] - 10 < 10.0  # one level every SETTLE_S or so
    assert np.all(scales[times > back[0]] == 1.0)


def test_one_slow_frame_moves_nothing():
    control = AutoScale(BUDGET)
    spikes = lambda scale, t: 0.2 if int(t * FPS) % 50 == 0 else 0.008 * scale**2  # noqa: E731
    times, scales = run(control, spikes, 10.0)
    assert np.all(scales == 1.0)


def test_bad_times_are_ignored():
    control = AutoScale(BUDGET)
    for i in range(100):
        assert control.observe(i * 0.02, float("nan")) == 1.0
        control.observe(i * 0.02 + 0.01, -1.0)
    with pytest.raises(ValueError):
        AutoScale(0.0)


# GL ---------------------------------------------------------------------------------------------------


def catmull_rom_upscale(small: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """shaders/upscale.glsl in numpy: each output pixel's centre mapped about the image centre by the ratio
    of the shorter sides, then 4x4 texels with Catmull-Rom weights, edges clamped."""
    h, w = small.shape[:2]
    width, height = size
    ratio = min(w, h) / min(width, height)

    def axis(n_out, n_in):
        p = (np.arange(n_out) + 0.5 - 0.5 * n_out) * ratio + 0.5 * n_in - 0.5
        base = np.floor(p)
        t = p - base
        weights = np.stack(
            [
                -0.5 * t**3 + t**2 - 0.5 * t,
                1.5 * t**3 - 2.5 * t**2 + 1,
                -1.5 * t**3 + 2 * t**2 + 0.5 * t,
                0.5 * t**3 - 0.5 * t**2,
            ],
            1,
        )
        index = np.clip(base[:, None].astype(int) + np.arange(-1, 3), 0, n_in - 1)
        return index, weights

    ix, wx = axis(width, w)
    iy, wy = axis(height, h)
    src = small.astype(np.float64) / 255.0
    rows = np.einsum("yk,ykxc->yxc", wy, src[iy])  # [height, w, 3]
    out = np.einsum("xk,yxkc->yxc", wx, rows[:, ix])
    return np.clip(out, 0, 1) * 255.0


def test_the_upscale_pass_is_catmull_rom_on_the_rendered_pixels(ctx, random_model_file):
    from performer.render.cppn_renderer import CppnRenderer
    from performer.render.weights import CppnWeights
    from performer.state import PerformanceState

    weights = CppnWeights.from_file(random_model_file[0])
    renderer = CppnRenderer(ctx, weights, "texture")
    try:
        state = PerformanceState(latent_dim=weights.latent_dim)
        full = renderer.render(state, (90, 50)).read_rgb().astype(float)
        assert renderer.small.size == (0, 0)  # at scale 1 (offline render's) nothing else is drawn
        renderer.render_scale = 0.37
        upscaled = renderer.render(state, (90, 50)).read_rgb().astype(float)
        assert renderer.target.size == (90, 50) and renderer.small.size == (33, 18)  # rounded: 33.3, 18.5
        small = renderer.small.read_rgb()
        expected = catmull_rom_upscale(small, (90, 50))
        assert np.abs(upscaled - expected).max() <= 1.01
        mse = np.mean((upscaled - full) ** 2)
        assert 0 < mse and 10 * np.log10(255**2 / mse) > 25  # close to the full render, not equal to it
        key = renderer.content_key
        renderer.render_scale = 0.5
        assert renderer.content_key != key  # a new scale redraws a still picture
    finally:
        renderer.release()


@pytest.mark.skipif(shutil.which("glslangValidator") is None, reason="glslangValidator is not installed")
def test_upscale_program_passes_the_reference_compiler(ctx, tmp_path):
    from performer.render.upscale import Upscaler

    upscaler = Upscaler(ctx)
    try:
        for stage, source in upscaler.program.sources().items():
            path = tmp_path / f"upscale.{'frag' if stage == 'FRAGMENT_SHADER' else 'vert'}"
            path.write_text(source)
            result = subprocess.run(["glslangValidator", str(path)], capture_output=True, text=True, timeout=60)
            assert result.returncode == 0, result.stdout
    finally:
        upscaler.release()


@pytest.fixture
def landmarks(tmp_path):
    path = tmp_path / "landmarks.yaml"
    path.write_text(yaml.safe_dump({"landmarks": [{"name": "boot", "z": [2.0, 0, 0, 0, 0, 0, 0, -1.0]}]}))
    return path


def session_with(random_model_file, tmp_path, landmarks, *extra):
    from performer.render.weights import CppnWeights
    from performer.render.window import HeadlessSurface
    from performer.session import build_session
    from performer.state import PerformanceState

    args = headless_play_args(random_model_file[0], tmp_path, landmarks, "--snapshot-dir", str(tmp_path), *extra)
    weights = CppnWeights.from_file(args.model)
    surface = HeadlessSurface(args.size)
    return build_session(args, surface, weights, PerformanceState(latent_dim=weights.latent_dim)), surface


def test_play_at_half_scale_snapshots_the_upscaled_output(random_model_file, tmp_path, landmarks):
    session, surface = session_with(random_model_file, tmp_path, landmarks, "--render-scale", "0.5")
    try:
        app = session.app
        app.step(0.0, 0.0)
        assert session.renderer.small.size == (32, 24)
        assert "render scale 0.50" in app._lines(app.status_sources)
        shot = iio.imread(app.snapshot())
        assert shot.shape[:2] == (48, 64)
        assert np.array_equal(shot[..., :3], session.renderer.target.read_rgb())
    finally:
        session.close()
        surface.close()


def test_play_auto_scale_comes_down_under_a_slow_render(random_model_file, tmp_path, landmarks):
    session, surface = session_with(random_model_file, tmp_path, landmarks, "--render-scale", "auto")
    try:
        app, control = session.app, session.renderer.scale_control
        assert control is not None and control.budget_s == pytest.approx(1 / 60)
        assert "render scale 1.00 (auto)" in app._lines(app.status_sources)
        control.budget_s = 1e-6  # every real render is over this budget, as a 4K output on llvmpipe would be
        frame, started = 0, time.perf_counter()
        while control.scale > LEVELS[0] and time.perf_counter() - started < 5.0:
            frame += 1
            app.state.set_z(np.full(app.state.latent_dim, 0.01 * frame))  # a new picture every frame
            app.step(frame / 60, 1 / 60)
        assert control.scale == LEVELS[0] and control.changes == 1  # straight to the floor, in one decision
        app.state.set_z(np.zeros(app.state.latent_dim))
        app.step(frame / 60 + 0.02, 0.02)
        assert session.renderer.small.size == (16, 12) and session.renderer.target.size == (64, 48)
        assert "render scale 0.25 (auto)" in app._lines(app.status_sources)
    finally:
        session.close()
        surface.close()


# bench-scale ------------------------------------------------------------------------------------------


def test_psnr_and_nearest_worked_by_hand():
    from performer.commands.bench_scale import nearest, psnr

    a, b = np.zeros((4, 4, 3), np.uint8), np.ones((4, 4, 3), np.uint8)
    assert psnr(a, b) == pytest.approx(20 * np.log10(255))  # MSE 1: 48.13 dB
    b[0, 0] = 11  # one pixel 10 further off in all three channels: MSE (15*3 + 3*121) / 48 = 8.5
    assert psnr(a, b) == pytest.approx(10 * np.log10(255**2 / 8.5))
    assert psnr(a, b, b.max(axis=2) > 5) == pytest.approx(10 * np.log10(255**2 / 121))
    small = np.arange(4, dtype=np.uint8).reshape(2, 2, 1)
    assert nearest(small, (4, 4))[..., 0].tolist() == [[0, 0, 1, 1], [0, 0, 1, 1], [2, 2, 3, 3], [2, 2, 3, 3]]


def test_bench_scale_reports_every_scale_and_the_live_loop(random_model_file, tmp_path):
    import re
    import sys

    command = [sys.executable, "-m", "performer.cli", "bench-scale", "--model", str(random_model_file[0])]
    command += ["--size", "64x48", "--psnr-size", "96x54", "--garments", "2", "--seconds", "1.5"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = re.findall(r"^\s+(0\.\d\d)\s+([\d.]+) dB", result.stdout, re.M)
    assert [scale for scale, _ in rows] == ["0.25", "0.50", "0.75"] * 2
    default = [float(value) for _, value in rows[:3]]
    assert default[0] < default[2]  # more pixels drawn, closer to the full render
    assert re.search(r"auto\s*:\s+[\d.]+ frames/s over the second half", result.stdout)
    assert "scale 1:" in result.stdout


def test_auto_holds_the_slower_of_fps_and_the_display_refresh():
    from types import SimpleNamespace

    from performer.render.scale import use_render_scale

    def session(refresh):
        mode = SimpleNamespace(refresh_rate=refresh)
        surface = SimpleNamespace(glfw=SimpleNamespace(get_video_mode=lambda monitor: mode), monitor=object())
        app, renderer = SimpleNamespace(surface=surface, status_sources=[]), SimpleNamespace()
        use_render_scale(app, renderer, "auto", 60.0)
        return renderer.scale_control.budget_s

    assert session(50) == pytest.approx(1 / 50)  # a 50 Hz projector: 20 ms a frame, not 16.7
    assert session(144) == pytest.approx(1 / 60)  # a faster display: --fps caps the loop
    assert session(0) == pytest.approx(1 / 60)  # GLFW did not know
