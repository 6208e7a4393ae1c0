"""The Map panel on its own Xvfb, driven by real X mouse events (xdotool): a click on a garment's point lands on
that garment's latent (to 1e-6, the float32 the state keeps), a click between garments on MapSpace.to_z of
the map point under that pixel (worked out here from the map's bounds and the panel's rectangle, to 1e-6),
each visit adds to the trail and the current position is ringed in gold; hovering a point shows that
garment's CPPN thumbnail in the tooltip; a model without a map says so in one line."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from operator_window_cases import open_session, settle, xdotool
from safetensors import safe_open
from safetensors.numpy import save_file
from xvfb import virtual_display

from performer.map_space import MapSpace
from performer.model.arrays import read_model_arrays
from performer.model.garment_map import KIND, LABELS, MAP
from performer.operator.map_panel import MARGIN, MapPanel
from performer.operator.panels import OperatorContext
from performer.paths import DEFAULT_MODEL

pytest.importorskip("imgui_bundle")
GOLD = np.array([255, 217, 51])  # map_panel.CURRENT as 8-bit RGB
LANDS_WITHIN = 1e-6  # per latent: the state keeps z as float32 (|z| < 4.4: rounding at most 2.4e-7)
# pixels from a garment's point to any other's: the clicked pixel (rounded, at most 0.71 px off) is nearest
# that garment (each test also asserts so before it clicks)
ISOLATED = 2.5


@pytest.fixture(scope="module")
def display():
    yield from virtual_display("1600x900x24", "xdotool")


@pytest.fixture
def session(display, tmp_path, monkeypatch):
    yield from open_session(display, tmp_path, monkeypatch)


@pytest.fixture(scope="module")
def space():
    """The shipped model's map read here, not taken from the panel."""
    return MapSpace.from_model(read_model_arrays(DEFAULT_MODEL))


def map_panel(session) -> MapPanel:
    (panel,) = [panel for panel in session.operator.panels.panels if panel.title == "Map"]
    return panel


def pixels_of(session, space, points) -> np.ndarray:
    """Map points -> operator-window pixels: the bounds as large as fit the recorded map rectangle less the
    margin, centred, one scale for both axes, the map's y up."""
    x0, y0, x1, y1 = session.operator.panels.rects["map"]
    margin = MARGIN * session.operator.panels.scale
    x_min, y_min, x_max, y_max = space.bounds()
    scale = min((x1 - x0 - 2 * margin) / (x_max - x_min), (y1 - y0 - 2 * margin) / (y_max - y_min))
    left, top = x0 + (x1 - x0 - (x_max - x_min) * scale) / 2, y0 + (y1 - y0 - (y_max - y_min) * scale) / 2
    points = np.asarray(points, np.float64).reshape(-1, 2)
    return np.column_stack([left + (points[:, 0] - x_min) * scale, top + (y_max - points[:, 1]) * scale])


def point_of(session, space, pixel) -> np.ndarray:
    """An operator-window pixel -> its map point (the inverse of pixels_of, by solving it for one point)."""
    origin, unit = pixels_of(session, space, [[0.0, 0.0], [1.0, 1.0]])
    per_unit = unit - origin  # pixels per map unit along x and y (y negative: the map's y is up)
    return (np.asarray(pixel, np.float64) - origin) / per_unit


def nearest_distances(queries, points) -> np.ndarray:
    """Each query's distance to the nearest of `points`, a block of queries at a time (bounded memory)."""
    queries = np.asarray(queries, np.float64)
    blocks = [
        np.sqrt(((block[:, None] - points[None]) ** 2).sum(-1)).min(axis=1)
        for block in np.array_split(queries, max(1, len(queries) // 500))
    ]
    return np.concatenate(blocks)


def isolated_garments(session, space, count: int) -> list[int]:
    """Garments whose point is ISOLATED pixels from every other and whose latent the state keeps unclamped."""
    screen = pixels_of(session, space, space.points)
    gaps = np.sqrt(((screen[:, None] - screen[None]) ** 2).sum(-1))
    np.fill_diagonal(gaps, np.inf)
    fits = (gaps.min(axis=1) > ISOLATED) & (np.abs(space.latents).max(axis=1) < 4.0)
    return [int(index) for index in np.flatnonzero(fits)[:count]]


def move(session, display, pixel) -> None:
    window_x, window_y = session.operator.glfw.get_window_pos(session.operator.window)
    xdotool(display, "mousemove", window_x + int(pixel[0]), window_y + int(pixel[1]))
    settle(session, 3)


def click(session, display, pixel) -> None:
    move(session, display, pixel)
    xdotool(display, "mousedown", 1)
    settle(session, 2)
    xdotool(display, "mouseup", 1)
    settle(session, 3)


def gold_near(session, pixel, radius: float) -> bool:
    """Whether a gold pixel lies on the horizontal through `pixel` about `radius` to its left (the ring)."""
    width, height = session.operator.glfw.get_framebuffer_size(session.operator.window)
    image = np.frombuffer(session.operator.read_pixels(), np.uint8).reshape(height, width, 3)[::-1].astype(int)
    x, y = int(pixel[0]), int(pixel[1])
    strip = image[y - 1 : y + 2, x - int(radius) - 2 : x - int(radius) + 3].reshape(-1, 3)
    return bool((np.abs(strip - GOLD).max(axis=1) < 40).any())


def test_a_click_on_a_garments_point_lands_on_its_latent_and_adds_to_the_trail(session, display, space):
    state, panel = session.app.state, map_panel(session)
    settle(session, 4)
    assert len(panel.space.trail) == 1, "the first frame visits the starting z"
    first, second = isolated_garments(session, space, 2)
    trail = len(panel.space.trail)
    for garment in (first, second):
        pixel = np.rint(pixels_of(session, space, space.points[garment])[0])
        clicked = point_of(session, space, pixel)
        assert space.nearest(clicked) == garment and np.linalg.norm(clicked - space.points[garment]) < space.snap_radius
        click(session, display, pixel)
        assert np.abs(state.z - space.latents[garment]).max() < LANDS_WITHIN
        trail += 1
        assert len(panel.space.trail) == trail, "each visit adds one point to the trail"
        assert np.allclose(panel.space.trail[-1], space.points[garment], atol=1e-6), "ending at the garment"
        assert gold_near(session, pixel, 6.0), "the current position is ringed in gold"
    assert np.allclose(panel.space.trail[-2], space.points[first], atol=1e-6)


def test_a_click_between_garments_lands_on_the_blend_at_that_map_point(session, display, space):
    state = session.app.state
    settle(session, 4)
    x0, y0, x1, y1 = session.operator.panels.rects["map"]
    low, high = pixels_of(session, space, [space.bounds()[:2], space.bounds()[2:]])  # (x_min, y_min), (x_max, ..)
    grid = np.stack(np.meshgrid(np.arange(low[0], high[0]), np.arange(high[1], low[1])), -1).reshape(-1, 2)
    grid = np.rint(grid)
    points = point_of(session, space, grid)
    clearance = nearest_distances(points, space.points)
    centre = np.mean(np.reshape(space.bounds(), (2, 2)), axis=0)
    empty = np.flatnonzero(clearance > 3 * space.snap_radius)
    chosen = int(empty[np.argmin(np.linalg.norm(points[empty] - centre, axis=1))])  # in the gap between islands
    assert clearance[chosen] > 3 * space.snap_radius, "far from every garment: a blend, not a snap"
    pixel, wanted = grid[chosen], space.to_z(points[chosen])
    assert x0 < pixel[0] < x1 and y0 < pixel[1] < y1 and np.abs(wanted).max() < 4.0
    click(session, display, pixel)
    assert np.abs(state.z - wanted).max() < LANDS_WITHIN
    assert np.abs(space.latents - state.z).max(axis=1).min() > 0.05, "the blend is no garment's own latent"


def test_hovering_a_point_shows_that_garment(session, display, space):
    panel, operator = map_panel(session), session.operator
    move(session, display, (5, 5))  # off the map, wherever an earlier test left the pointer
    settle(session, 4)
    assert panel.hovered is None
    garments = isolated_garments(session, space, 60)
    first = garments[0]
    second = next(g for g in garments if space.labels[g] != space.labels[first])  # another class: another look
    shown = {}
    for garment in (first, second):
        move(session, display, np.rint(pixels_of(session, space, space.points[garment])[0]))
        assert panel.hovered == garment
        settle(session, 2)  # the tile is drawn in the frame after the hover is first seen
        assert panel.atlas.key[0] == garment
        side = panel.atlas.tile
        tile = np.frombuffer(panel.atlas.target.framebuffer.read(components=3), np.uint8)
        tile = tile.reshape(side, side, 3)[::-1].astype(int)  # rows top first, as the tooltip shows it
        width, height = operator.glfw.get_framebuffer_size(operator.window)
        screen = np.frombuffer(operator.read_pixels(), np.uint8).reshape(height, width, 3)[::-1].astype(int)
        x0, y0, _, _ = (int(round(v)) for v in operator.panels.rects["map hover"])
        shown[garment] = (screen[y0 : y0 + side, x0 : x0 + side], tile)
    for on_screen, tile in shown.values():
        assert np.abs(on_screen - tile).mean() < 2.0, "the tooltip shows the CPPN's tile pixel for pixel"
    (_, tile_a), (screen_b, tile_b) = shown[first], shown[second]
    assert np.abs(tile_a - tile_b).mean() > 10.0, "two garments of two classes look different"
    assert np.abs(screen_b - tile_a).mean() > 10.0, "the second hover shows the second garment, not the first"
    move(session, display, (10, 10))  # off the map
    assert panel.hovered is None


def test_a_model_without_a_map_says_so_in_one_line(tmp_path):
    with safe_open(str(DEFAULT_MODEL), framework="numpy") as handle:
        metadata = {k: v for k, v in (handle.metadata() or {}).items() if k != KIND}
        tensors = {key: handle.get_tensor(key) for key in handle.keys() if key not in (LABELS, MAP)}
    no_map = tmp_path / "no_map.safetensors"
    save_file(tensors, str(no_map), metadata=metadata)
    garbage = tmp_path / "garbage.safetensors"
    garbage.write_bytes(b"\x00" * 100)
    panels = SimpleNamespace(app=None, scale=1.0)
    for path, says in ((no_map, "no map in this model file"), (garbage, "not a readable safetensors file")):
        panel = MapPanel(panels, OperatorContext(model_path=path))
        assert panel.space is None and says in panel.message and "\n" not in panel.message
