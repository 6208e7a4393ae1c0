"""Garment thumbnails for the operator's panels (landmarks, the map's hover, ...), drawn by the CPPN renderer
itself into one atlas texture of the output's GL context: the same shader and look as the projector, no CPU
render and no torch. A panel asks for a list of latents under a key; the atlas re-renders only when the key
changes (the landmarks file was edited, the hovered garment moved), in the output's context before the
operator window takes over (OperatorWindow calls the panels' `prepare`). The operator shows the atlas through
its shared texture id and each tile's texture coordinates.
"""

from __future__ import annotations

import math

import numpy as np

from performer.render.previews import TILE_LOOK
from performer.render.target import OffscreenTarget
from performer.state import PerformanceState

BACKGROUND = (0.08, 0.08, 0.08)
MAX_TILES = 1024  # the landmarks file holds 1,000 at most (performer/safe_files.py FILE_BOUNDS)


class GarmentAtlas:
    def __init__(self, renderer, tile: int = 64, columns: int = 16) -> None:
        self.renderer, self.tile, self.columns = renderer, int(tile), int(columns)
        self.target = OffscreenTarget(renderer.ctx)
        self.key: object = None
        self.count = 0
        self.renders = 0

    def update(self, key, latents, state: PerformanceState, overrides=None) -> bool:
        """Render `latents` (a sequence of z), one tile each, with the look of `state` framed as the latent
        previews frame a garment, and tile i's parameters changed by `overrides[i]` (a dict) when given;
        nothing happens when `key` is the key of the last render. True if drawn."""
        if key == self.key:
            return False
        latents = [np.asarray(z, dtype=np.float32) for z in list(latents)[:MAX_TILES]]
        self.key, self.count = key, len(latents)
        if not latents:
            return True
        rows = math.ceil(len(latents) / self.columns)
        framebuffer = self.target.ensure((self.columns * self.tile, rows * self.tile))
        framebuffer.use()
        self.renderer.ctx.viewport = (0, 0, *self.target.size)
        framebuffer.clear(*BACKGROUND)
        tile_state = PerformanceState(latent_dim=state.latent_dim, z=state.z.copy(), params={**state.params})
        for index, z in enumerate(latents):
            tile_state.params.update(state.params)
            tile_state.params.update(TILE_LOOK)
            if overrides is not None:
                tile_state.params.update(overrides[index])
            tile_state.z[:] = 0.0
            tile_state.z[: min(len(z), state.latent_dim)] = z[: state.latent_dim]
            column, row = index % self.columns, index // self.columns
            origin = (column * self.tile, (rows - 1 - row) * self.tile)  # GL rows count from the bottom
            self.renderer.draw(tile_state, framebuffer, (self.tile, self.tile), origin)
        self.renders += 1
        return True

    def uv(self, index: int) -> tuple[tuple[float, float], tuple[float, float]]:
        """Tile `index`'s texture coordinates for imgui.image (top-left, bottom-right; rows are bottom first)."""
        width, height = self.target.size
        column, row = index % self.columns, index // self.columns
        rows = height // self.tile
        left, right = column * self.tile / width, (column + 1) * self.tile / width
        top = (rows - row) * self.tile / height
        return (left, top), (right, top - self.tile / height)

    @property
    def texture(self):
        return self.target.texture

    def release(self) -> None:
        self.target.release()
