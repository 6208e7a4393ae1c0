"""The operator window on its own Xvfb, driven by real X mouse events (xdotool): a latent slider dragged moves
that latent by the dragged amount through the hub, and the output window's pixels are the frame alone."""

from __future__ import annotations

import os
import subprocess

import numpy as np
import pytest
from xvfb import virtual_display

from performer.paths import DEFAULT_LANDMARKS, DEFAULT_MODEL

pytest.importorskip("imgui_bundle")


@pytest.fixture(scope="module")
def display():
    yield from virtual_display("1600x900x24", "xdotool")


@pytest.fixture
def session(display, tmp_path, monkeypatch):
    yield from open_session(display, tmp_path, monkeypatch)


def open_session(display, tmp_path, monkeypatch, *extra: str):
    monkeypatch.setenv("DISPLAY", display)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    from performer.cli import build_parser
    from performer.render.weights import CppnWeights
    from performer.render.window import GlfwWindow
    from performer.session import build_session
    from performer.state import PerformanceState

    args = build_parser().parse_args(
        ["play", "--size", "160x90", "--osc-port", "0", "--no-midi", "--no-prints", "--no-reload"]
        + ["--landmarks", str(DEFAULT_LANDMARKS), "--record-dir", str(tmp_path / "rec"), "--fps", "1000"]
        + ["--operator-fps", "1000", *extra]  # the operator redraws every frame: each settle() is seen
    )
    weights = CppnWeights.from_file(DEFAULT_MODEL)
    surface = GlfwWindow((160, 90), "performer", vsync=False)
    state = PerformanceState(latent_dim=weights.latent_dim)
    built = build_session(args, surface, weights, state)
    yield built
    built.close()
    surface.close()


def xdotool(env_display: str, *words: object) -> None:
    subprocess.run(["xdotool", *map(str, words)], check=True, env={**os.environ, "DISPLAY": env_display}, timeout=10)


def settle(session, frames: int = 4) -> None:
    session.app.run(frames)


def test_dragging_a_latent_slider_moves_that_latent_by_the_dragged_amount(session, display):
    operator = session.operator
    assert operator is not None, "play with a display opens the operator window"
    glfw = operator.glfw
    settle(session)
    window_x, window_y = glfw.get_window_pos(operator.window)
    x0, y0, x1, y1 = operator.panels.rects["z3"]
    y = window_y + int((y0 + y1) / 2)
    start = window_x + int(x0 + (x1 - x0) * 0.4)
    dragged = 80  # pixels to the right
    xdotool(display, "mousemove", start, y)
    settle(session)
    xdotool(display, "mousedown", 1)
    settle(session)
    pressed = float(session.app.state.z[2])
    for step in range(1, 5):
        xdotool(display, "mousemove", start + dragged * step // 4, y)
        settle(session)
    xdotool(display, "mouseup", 1)
    settle(session)
    moved = float(session.app.state.z[2]) - pressed
    # ImGui's slider: the grab (10 px) travels the frame's width less 2 px of padding each side, linearly over
    # the latent's playable span -3..3
    per_pixel = 6.0 / ((x1 - x0) - 4 - 10)
    assert moved == pytest.approx(dragged * per_pixel, abs=1.5 * per_pixel)
    others = np.delete(session.app.state.z, 2)
    assert np.all(others == 0.0), "only the dragged latent moved"
    assert session.hubs[0].all_stats()["operator_events"] >= 4, "the drag reached the hub as the operator's events"


def test_the_output_window_shows_the_frame_and_nothing_of_the_operator(session):
    app = session.app
    settle(session)
    app.step(app.clock(), 1 / 60)  # drawn, not yet swapped: the output's back buffer holds this frame
    width, height = app.surface.framebuffer_size()
    shown = np.frombuffer(app.surface.screen.read(viewport=(0, 0, width, height), components=3), np.uint8)
    frame = np.frombuffer(session.renderer.target.framebuffer.read(components=3), np.uint8)
    assert shown.size == frame.size
    assert np.array_equal(shown, frame)
    # and the operator did draw this frame (its preview and panels), in its own framebuffer
    operator_pixels = np.frombuffer(session.operator.read_pixels(), np.uint8)
    assert operator_pixels.std() > 10


def test_a_panel_that_raises_is_counted_and_the_operator_draws_on(session):
    calls = []

    def broken_panel(imgui, operator, frame):
        calls.append(1)
        if len(calls) == 1:
            imgui.begin("half-drawn")  # left open: ImGui must recover at the end of the frame
            raise RuntimeError("a bug in a panel")

    session.operator.panels.extra.append(broken_panel)
    before = session.operator.frames
    settle(session, 6)
    assert session.app.failures["operator"][0] == 1
    assert session.operator.frames - before == 5, "every frame after the failing one was drawn"


def test_no_operator_keeps_the_single_window(display, tmp_path, monkeypatch):
    for built in open_session(display, tmp_path, monkeypatch, "--no-operator"):
        assert built.operator is None
        assert all(output.name != "operator" for output in built.app.outputs)
        assert built.app.run(3) == 3


def test_the_operator_redraws_at_most_operator_fps(display, tmp_path, monkeypatch):
    """--operator-fps 10 with the output uncapped: over a second about 10 redraws while the output draws many
    more (the operator leaves the software renderer's frame budget to the output). 10, not 20: on a slow CPU
    a redraw of the operator's previews takes tens of ms under llvmpipe, and 20 of them fill the second."""
    import time

    for built in open_session(display, tmp_path, monkeypatch, "--operator-fps", "10"):
        app, operator = built.app, built.operator
        app.run(3)
        before, shown = operator.frames, app.frames
        started = time.perf_counter()
        while time.perf_counter() - started < 1.0:
            app.run(1)
        elapsed = time.perf_counter() - started
        redraws, frames = operator.frames - before, app.frames - shown
        assert frames > 2 * redraws, (frames, redraws)
        assert 0.8 * 10 * elapsed - 2 <= redraws <= 10 * elapsed / 0.95 + 1, (redraws, elapsed)


def test_the_fullscreen_button_puts_the_output_on_the_chosen_monitor(session, display):
    """One screen (Xvfb's 1600x900): the button sends the output fullscreen there, sized as the monitor's
    mode, the operator window stays a window; a second click brings the output back to its window size."""
    operator, surface = session.operator, session.app.surface
    glfw = operator.glfw
    settle(session)
    before = glfw.get_window_size(surface.window)
    window_x, window_y = glfw.get_window_pos(operator.window)
    x0, y0, x1, y1 = operator.panels.rects["output fullscreen"]

    def click() -> None:
        xdotool(display, "mousemove", window_x + int((x0 + x1) / 2), window_y + int((y0 + y1) / 2))
        settle(session)
        xdotool(display, "click", "1")
        settle(session, 6)

    click()
    mode = glfw.get_video_mode(surface.monitor)
    assert surface.fullscreen and glfw.get_window_size(surface.window) == (mode.size.width, mode.size.height)
    assert (mode.size.width, mode.size.height) == (1600, 900)
    assert not glfw.get_window_monitor(operator.window), "the operator window stays a window (a NULL monitor)"
    window_x, window_y = glfw.get_window_pos(operator.window)
    x0, y0, x1, y1 = operator.panels.rects["output fullscreen"]
    click()
    assert not surface.fullscreen and glfw.get_window_size(surface.window) == before
