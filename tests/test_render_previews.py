"""Latent previews: marker positions by hand, each tile is the renderer's own picture of that latent value,
the atlas is re-rendered only when something changed (and not faster than its interval), and the previews
reach the screen with their markers."""

from __future__ import annotations

import numpy as np
import pytest

from performer.app import App
from performer.paths import DEFAULT_MODEL
from performer.render.cppn_renderer import CppnRenderer
from performer.render.previews import GAP, TILE_LOOK, LatentPreviews, marker_positions
from performer.render.weights import CppnWeights
from performer.render.window import HeadlessSurface
from performer.state import PerformanceState


def test_marker_positions_by_hand():
    values = np.linspace(-3, 3, 5)  # tiles at -3, -1.5, 0, 1.5, 3; centres at 0.1, 0.3, 0.5, 0.7, 0.9
    got = marker_positions(np.array([0.0, -3.0, 3.0, 0.75, -1.5, 4.0, -9.0, 2.25]), values)
    # 0.75 is halfway between the centres of tiles 2 and 3 (0.5 and 0.7): 0.6; 2.25: halfway 0.7..0.9 = 0.8
    # 4.0: (4 + 3) / 1.5 + 0.5 = 5.1667 tiles = 1.033 of the row, clamped to 1; -9: clamped to 0
    assert got == pytest.approx([0.5, 0.1, 0.9, 0.6, 0.3, 1.0, 0.0, 0.8])


@pytest.fixture(scope="module")
def setup():
    surface = HeadlessSurface((400, 600))
    renderer = CppnRenderer(surface.ctx, CppnWeights.from_file(DEFAULT_MODEL), "texture")
    previews = LatentPreviews(renderer, 8, steps=5, tile=24, interval=0.1)
    yield surface, renderer, previews
    previews.release()
    renderer.release()
    surface.close()


@pytest.mark.parametrize("scale", [1.0, 2.0])  # 2: a HiDPI screen, tiles with twice the pixels
def test_each_tile_is_that_latent_value_rendered_alone(setup, scale):
    surface, renderer, previews = setup
    state = PerformanceState()
    state.set_z([0.5, -1.0, 0.0, 2.0, 0.0, 0.0, 1.0, 0.0])
    state.set("palette", 2)
    assert previews.update(state, now=10.0, scale=scale)
    side = previews.tile_pixels
    assert side == previews.tile * scale and previews.atlas.size == (5 * side, 8 * side)
    atlas = previews.atlas.read_rgb()  # row 0 at the top: latent 1
    inner = side - GAP
    for row, column in [(0, 0), (3, 4), (6, 2), (7, 1)]:
        alone = PerformanceState(z=state.z.copy(), params={**state.params, **TILE_LOOK})
        alone.z[row] = previews.values[column]
        want = renderer.render(alone, (inner, inner)).read_rgb().astype(int)
        top, left = row * side + GAP // 2, column * side + GAP // 2
        got = atlas[top : top + inner, left : left + inner].astype(int)
        assert np.abs(got - want).max() <= 1, (row, column)
    assert renderer.ctx.error == "GL_NO_ERROR"
    previews.update(state, now=20.0, scale=1.0)  # back to the other tests' scale


def test_atlas_renders_only_on_change_and_not_faster_than_its_interval(setup):
    _, _, previews = setup
    state = PerformanceState()
    previews.update(state, now=100.0)
    count = previews.renders
    assert not previews.update(state, now=101.0)  # nothing changed
    state.set_latent(2, 1.0)
    assert not previews.update(state, now=100.05)  # changed, but within 0.1 s of the last render
    assert previews.update(state, now=100.2) and previews.renders == count + 1
    state.set("palette", 4)  # the look counts too
    assert previews.update(state, now=100.4)
    state.set("zoom", 3.0)  # the tiles keep their own framing: zoom is not a reason to re-render
    assert not previews.update(state, now=100.6)


def test_g_shows_previews_on_screen_with_markers(setup):
    surface, renderer, previews = setup
    app = App(surface, renderer, PerformanceState(), seed=0)
    app.previews = previews
    app.state.set_z([3.0, -3.0, 0, 0, 0, 0, 0, 0])  # markers at 0.9 and 0.1 of rows 1 and 2
    app.step(0.0, 1 / 60)
    before = np.frombuffer(surface.screen.read(components=3), np.uint8).reshape(600, 400, 3)[::-1].copy()
    app.keyboard.on_key("g", True, False)
    app.step(1.0, 1 / 60)
    after = np.frombuffer(surface.screen.read(components=3), np.uint8).reshape(600, 400, 3)[::-1].astype(int)
    x, y, w, h = (int(round(v)) for v in previews.rect())
    assert np.abs(after[y : y + h, x : x + w] - before[y : y + h, x : x + w]).sum() > 0  # the previews appeared
    orange = (after[..., 0] > 200) & (after[..., 1] > 100) & (after[..., 1] < 170) & (after[..., 2] < 60)
    row1 = orange[y + previews.tile // 2, x : x + w]
    row2 = orange[y + previews.tile + previews.tile // 2, x : x + w]
    assert abs(np.flatnonzero(row1).mean() - 0.9 * w) <= 2
    assert abs(np.flatnonzero(row2).mean() - 0.1 * w) <= 2
    assert surface.ctx.error == "GL_NO_ERROR"
