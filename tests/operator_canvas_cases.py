"""The design canvas panel (performer/operator/canvas_panel.py) in a real operator window on its own Xvfb, drawn
on with real X mouse and key events (xdotool): a stroke lands on the canvas where the mouse went and moves z to
the torch encoder's mean of the drawn pixels; C and R belong to the canvas only while it has the mouse; a
picture's path typed into the panel loads and encodes it without firing the show's keys on the way."""

from __future__ import annotations

import os
import subprocess
import threading
import time

import imageio.v3 as iio
import numpy as np
import pytest
from operator_window_cases import open_session, settle, xdotool
from safetensors.numpy import load_file, save_file
from xvfb import virtual_display

from performer.operator.canvas_panel import FOLLOW_AFTER
from performer.paths import DEFAULT_MODEL

pytest.importorskip("imgui_bundle")
torch = pytest.importorskip("torch")

TITLE_BAR = 8  # pixels below a window's top edge: on its title bar


@pytest.fixture(scope="module")
def display():
    yield from virtual_display("1600x900x24", "xdotool")


@pytest.fixture(scope="module")
def session(display, tmp_path_factory):
    with pytest.MonkeyPatch.context() as monkeypatch:
        yield from open_session(display, tmp_path_factory.mktemp("canvas"), monkeypatch)


@pytest.fixture(scope="module")
def model():
    from performer.model.checkpoint import load_model

    return load_model(DEFAULT_MODEL)


@pytest.fixture
def fired(session):
    """The show's actions that keys fire from here on, noted and not run: a key that leaked while typing a
    path must not save a landmark into the repository's file or a snapshot into its folder."""
    keyboard, names = session.app.keyboard, []
    original = keyboard.trigger
    keyboard.trigger = names.append
    yield names
    keyboard.trigger = original


def canvas_panel(session):
    return next(panel for panel in session.operator.panels.panels if panel.title == "Design canvas")


def on_screen(session, name: str, fx: float = 0.5, fy: float = 0.5) -> tuple[int, int]:
    """The screen point at fractions (fx, fy) of a recorded widget's rectangle."""
    x, y = session.operator.glfw.get_window_pos(session.operator.window)
    x0, y0, x1, y1 = session.operator.panels.rects[name]
    return x + int(x0 + (x1 - x0) * fx), y + int(y0 + (y1 - y0) * fy)


def torch_mean(model, pixels: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return model.encoder(torch.from_numpy(pixels.astype(np.float32))[None])[0][0].numpy()


def distance_to_path(points: list[tuple[float, float]], size: int) -> np.ndarray:
    """[size, size]: each canvas pixel centre's distance to the polyline through `points`."""
    ys, xs = np.mgrid[0:size, 0:size] + 0.5
    best = np.full((size, size), np.inf)
    for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
        dx, dy = x1 - x0, y1 - y0
        t = np.clip(((xs - x0) * dx + (ys - y0) * dy) / max(dx * dx + dy * dy, 1e-12), 0.0, 1.0)
        best = np.minimum(best, np.hypot(xs - (x0 + t * dx), ys - (y0 + t * dy)))
    return best


def blank(session, panel) -> None:
    """The canvas cleared once it has followed the show's current garment (follow() waits for z to hold
    still), so a stroke is drawn on black."""
    settle(session, 2)  # the panel sees z (and when it last moved) as frames are drawn
    time.sleep(FOLLOW_AFTER + 0.05)
    settle(session, 3)
    assert panel.canvas.wait_idle()
    panel.canvas.clear()
    settle(session, 2)


def until_encoded(session, canvas) -> None:
    settle(session, 2)
    assert canvas.wait_idle()
    settle(session, 2)  # the hub takes the encoding at the next frame


def test_a_model_without_an_encoder_gets_a_line_and_no_canvas(display, tmp_path, monkeypatch):
    tensors = load_file(str(DEFAULT_MODEL))
    from safetensors import safe_open

    with safe_open(str(DEFAULT_MODEL), framework="numpy") as handle:
        metadata = handle.metadata()
    bare = tmp_path / "bare.safetensors"
    save_file({k: v for k, v in tensors.items() if not k.startswith("encoder.")}, str(bare), metadata=metadata)
    for built in open_session(display, tmp_path, monkeypatch, "--model", str(bare)):
        panel = canvas_panel(built)
        assert panel.canvas is None and "bare.safetensors: has no encoder tensors" in panel.message
        assert built.app.run(4) == 4 and "operator" not in built.app.failures
        assert "canvas" not in built.operator.panels.rects, "nothing to draw on"
        opened = [source for hub in built.hubs for source in hub.sources.open.values()]
        assert not any(getattr(source, "name", "") == "canvas" for source in opened)


def test_a_stroke_lands_where_the_mouse_went_and_moves_z_to_the_encoders_mean(session, display, model):
    panel = canvas_panel(session)
    canvas = panel.canvas
    assert any(canvas in hub.sources.open.values() for hub in session.hubs), "the panel's canvas feeds the hub"
    blank(session, panel)
    assert np.all(session.app.state.z == 0.0) and canvas.image()[1].max() == 0.0
    canvas.set_brush_size(18)
    x0, _, x1, _ = session.operator.panels.rects["canvas"]
    per_screen_pixel = canvas.size / (x1 - x0)
    # an L: down the left third, then right along the bottom
    corners = [on_screen(session, "canvas", fx, fy) for fx, fy in ((0.3, 0.2), (0.3, 0.75), (0.7, 0.75))]
    xdotool(display, "mousemove", *corners[0])
    settle(session)
    xdotool(display, "mousedown", 1)
    settle(session)
    for start, end in zip(corners, corners[1:], strict=False):
        for step in range(1, 7):
            xdotool(display, "mousemove", *(round(a + (b - a) * step / 6) for a, b in zip(start, end, strict=True)))
            settle(session, 1)
    settle(session)
    xdotool(display, "mouseup", 1)
    until_encoded(session, canvas)

    window_x, window_y = session.operator.glfw.get_window_pos(session.operator.window)
    left, top = session.operator.panels.rects["canvas"][:2]
    path = [((x - window_x - left) * per_screen_pixel, (y - window_y - top) * per_screen_pixel) for x, y in corners]
    distance = distance_to_path(path, canvas.size)
    _, pixels = canvas.image()
    slack = 1.5 * per_screen_pixel  # the mouse lands on whole screen pixels
    assert pixels[distance <= 18 - slack].min() == 1.0, "white all along the stroke"
    assert pixels[distance >= 18 + 1 + slack].max() == 0.0, "nothing away from it"
    painted, capsule = (pixels > 0.5).sum(), (distance < 18.5).sum()
    assert abs(painted - capsule) < 0.03 * capsule

    want = torch_mean(model, canvas.model_pixels())
    assert np.abs(want).max() > 0.3, "the drawing is somewhere, not the origin"
    assert np.abs(session.app.state.z - want).max() < 1e-4
    assert threading.get_ident() not in canvas.encode_threads, "encoded off the render thread"

    version, texture, _ = session.operator.uploads["canvas"]
    assert version == canvas.image()[0]
    settle(session, 3)
    assert session.operator.uploads["canvas"][1] is texture and session.operator.uploads["canvas"][0] == version
    glfw = session.operator.glfw
    glfw.make_context_current(session.operator.window)
    try:
        shown = np.frombuffer(texture.read(), np.uint8).reshape(canvas.size, canvas.size, 4)[:, :, 0]
    finally:
        glfw.make_context_current(session.app.surface.window)
    assert np.array_equal(shown, (pixels * 255 + 0.5).astype(np.uint8)), "the panel shows the canvas as drawn"


def test_c_and_r_are_the_canvas_s_only_while_it_has_the_mouse(session, display, model, fired):
    panel = canvas_panel(session)
    canvas = panel.canvas
    canvas.begin_stroke(140, 140)
    canvas.end_stroke()
    until_encoded(session, canvas)
    # the Show panel clicked on its title bar (focus moves there), R pressed: the show's random garment
    window_x, window_y = session.operator.glfw.get_window_pos(session.operator.window)
    width, height = session.operator.glfw.get_window_size(session.operator.window)
    xdotool(display, "mousemove", window_x + width // 10, window_y + height // 2 + TITLE_BAR)
    xdotool(display, "click", 1)
    settle(session)
    before = canvas.image()[0]
    xdotool(display, "key", "r")
    settle(session)
    assert fired == ["random"] and canvas.image()[0] == before and panel.keys_here is False

    fired.clear()
    xdotool(display, "mousemove", *on_screen(session, "canvas"))  # over the canvas, no click
    settle(session)
    xdotool(display, "key", "c")
    settle(session)
    assert canvas.image()[1].max() == 0.0, "C cleared the canvas"
    xdotool(display, "key", "r")
    until_encoded(session, canvas)
    assert fired == [], "the show saw neither key"
    z = session.app.state.z.copy()
    assert np.abs(z).max() > 0.1
    with torch.no_grad():
        want = model.generator.render(torch.from_numpy(z.astype(np.float32))[None], canvas.size)[0].mean(0).numpy()
    error = np.abs(canvas.image()[1] - want)  # the canvas shows the garment the output went to
    assert error.mean() < 1e-4 and error.max() < 0.05


def test_a_typed_picture_path_is_loaded_and_the_show_sees_none_of_its_keys(session, display, model, fired, tmp_path):
    from performer.presets.from_image import prepare_image

    panel = canvas_panel(session)
    canvas = panel.canvas
    folder = tmp_path
    picture = np.full((200, 160), 255, np.uint8)
    picture[30:180, 40:75] = picture[30:180, 85:120] = picture[30:60, 40:120] = 20  # dark trousers on white
    path = folder / "black_swatch_boots.png"  # b: blackout, s: snapshot, w: walk, t: tap, h: HUD, c, r
    iio.imwrite(path, picture)
    xdotool(display, "mousemove", *on_screen(session, "canvas path"))
    xdotool(display, "click", 1)
    settle(session)
    typing = subprocess.Popen(["xdotool", "type", "--delay", "10", str(path)], env={**os.environ, "DISPLAY": display})
    for _ in range(2000):  # the show runs while the path is typed, as it would (ImGui takes a key a frame)
        settle(session, 1)
        if typing.poll() is not None and panel.path == str(path):
            break
    assert typing.wait(timeout=10) == 0
    assert panel.path == str(path) and fired == []
    xdotool(display, "key", "Return")
    until_encoded(session, canvas)
    prepared = prepare_image(path, 28, 1)
    assert np.abs(canvas.model_pixels() - prepared).max() < 1e-6
    assert np.abs(session.app.state.z - torch_mean(model, prepared)).max() < 1e-4
    assert fired == []

    panel.path = str(folder / "missing.png")
    xdotool(display, "mousemove", *on_screen(session, "canvas load"))
    xdotool(display, "click", 1)
    settle(session)
    assert panel.error_lines() == [f"canvas: {folder / 'missing.png'}: cannot be read (No such file or directory)"]
    x0, y0, x1, y1 = (int(v) for v in session.operator.panels.rects["canvas error"])
    height = session.operator.glfw.get_framebuffer_size(session.operator.window)[1]
    rgb = np.frombuffer(session.operator.read_pixels(), np.uint8).reshape(height, -1, 3)[::-1][y0:y1, x0:x1]
    red = (rgb[..., 0] > 200) & (rgb[..., 1] < 150) & (rgb[..., 2] < 150)
    assert red.sum() > 20, "the error line is drawn in red"


def test_the_canvas_follows_the_show_once_z_holds_still_but_keeps_its_own_drawing(session, display, model):
    """As the Explorer's canvas: a move from elsewhere (here the operator's all-latents message, as the map
    sends it) is shown on the canvas once z has held still; the canvas's own encoding never replaces the
    drawing it came from."""
    panel = canvas_panel(session)
    canvas = panel.canvas
    z = np.linspace(-1.0, 1.0, 8)
    session.operator.panels.source.set_latents(z)
    settle(session, 2)
    assert np.allclose(session.app.state.z, z)
    time.sleep(FOLLOW_AFTER + 0.05)
    settle(session, 3)
    assert canvas.wait_idle()
    with torch.no_grad():
        want = model.generator.render(torch.from_numpy(z.astype(np.float32))[None], canvas.size)[0].mean(0).numpy()
    error = np.abs(canvas.image()[1] - want)
    assert error.mean() < 1e-4 and np.quantile(error, 0.999) < 1e-3, "the canvas shows the show's garment"
    # a stroke, its encoding moves z: the drawing stays, however long z then holds still
    canvas.begin_stroke(60, 60)
    canvas.stroke_to(200, 220)
    canvas.end_stroke()
    until_encoded(session, canvas)
    drawn = canvas.image()
    assert np.allclose(session.app.state.z, canvas.last_sent, atol=1e-6)
    time.sleep(FOLLOW_AFTER + 0.05)
    settle(session, 3)
    assert canvas.wait_idle()
    version, pixels = canvas.image()
    assert version == drawn[0] and np.array_equal(pixels, drawn[1]), "the drawing was kept"
