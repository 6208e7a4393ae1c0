"""Garment thumbnails for the operator's panels (the latent preview rows, print thumbnails, landmarks, the
map's hover), drawn by the CPPN renderer itself into one atlas texture of the output's GL context: the same
shader and look as the projector, no CPU render and no torch. A panel asks for a list of latents under a key;
the atlas draws only when the key changes, in the output's context before the operator window takes over
(OperatorWindow calls the panels' `prepare`), and at most `budget` tiles a frame, round robin: the operator's
share of a frame stays bounded however many tiles change (on llvmpipe a whole preview atlas redrawn every
frame cost the loop more than the output itself). The operator shows the atlas through its shared texture id
and each tile's texture coordinates.
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
    def __init__(self, renderer, tile: int = 64, columns: int = 16, budget: int | None = None) -> None:
        self.renderer, self.tile, self.columns, self.budget = renderer, int(tile), int(columns), budget
        self.target = OffscreenTarget(renderer.ctx)
        self.key: object = None
        self.count = 0
        self.pending = 0  # tiles still to draw for the current key
        self.cursor = 0  # the next tile to draw (round robin)
        self.renders = 0  # tiles drawn so far

    def update(self, key, latents, state: PerformanceState, overrides=None) -> bool:
        """Draw `latents` (a sequence of z), one tile each, with the look of `state` framed as the latent
        previews frame a garment, and tile i's parameters changed by `overrides[i]` (a dict) when given.
        Nothing is drawn once every tile was drawn under `key`; else up to `budget` tiles (all without one),
        continuing where the last call stopped. True if it drew."""
        latents = list(latents)[:MAX_TILES]
        if key != self.key:
            self.key, self.pending = key, len(latents)
        if self.pending <= 0 or not latents:
            return False
        if len(latents) != self.count:
            self._resize(len(latents))
        framebuffer = self.target.framebuffer
        tile_state = PerformanceState(latent_dim=state.latent_dim, z=state.z.copy(), params={**state.params})
        rows = self.target.size[1] // self.tile
        for _ in range(min(self.pending, self.budget or self.pending)):
            index = self.cursor % self.count
            self.cursor = index + 1
            tile_state.params.update(state.params)
            tile_state.params.update(TILE_LOOK)
            if overrides is not None:
                tile_state.params.update(overrides[index])
            z = np.asarray(latents[index], dtype=np.float32)
            tile_state.z[:] = 0.0
            tile_state.z[: min(len(z), state.latent_dim)] = z[: state.latent_dim]
            column, row = index % self.columns, index // self.columns
            origin = (column * self.tile, (rows - 1 - row) * self.tile)  # GL rows count from the bottom
            self.renderer.draw(tile_state, framebuffer, (self.tile, self.tile), origin)
            self.renders += 1
            self.pending -= 1
        return True

    def _resize(self, count: int) -> None:
        self.count, self.cursor = count, 0
        rows = math.ceil(count / self.columns)
        framebuffer = self.target.ensure((self.columns * self.tile, rows * self.tile))
        framebuffer.use()
        self.renderer.ctx.viewport = (0, 0, *self.target.size)
        framebuffer.clear(*BACKGROUND)

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
