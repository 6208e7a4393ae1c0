"""Latent previews: for every latent, small renders of the garment at a few values across the playable range,
the other latents and the look as they are now. What each fader would give at each position, as the Fashion
Space Explorer showed beside its sliders; the current value is marked on each row.

The renders go to an atlas (one tile per latent and value, drawn by the CPPN renderer with a viewport and
origin per tile), re-rendered only when the latents or the look change and at most every `interval`
seconds, so a fader sweep costs a few atlas renders a second, not one per frame. shaders/previews.glsl
draws the atlas and the markers over the screen.
"""

from __future__ import annotations

import moderngl
import numpy as np

from performer.render.hud import MARGIN, PANEL_H
from performer.render.program import SHADER_DIR, ReloadableProgram
from performer.render.target import OffscreenTarget
from performer.state import PerformanceState

PLAYABLE = 3.0  # the tiles span -3..3, the fader range of the shipped mappings
GAP = 2  # pixels of background between tiles
BACKGROUND = (0.08, 0.08, 0.08)
# How a tile frames the garment: the whole garment with a margin (as the class landmarks), no print (the
# learned print is stylised for the current latent only), at full level even during a blackout.
TILE_LOOK = {"zoom": 0.85, "pan_x": 0.0, "pan_y": 0.0, "rotation": 0.0, "print_opacity": 0.0, "master": 1.0}
LOOK_PARAMS = ("palette", "brightness", "contrast", "bg_r", "bg_g", "bg_b", "background")


def marker_positions(z: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Where each latent's value lies across its row, 0..1: tile j's centre is at (j + 0.5) / steps and the
    position is linear in the value between tile centres (and beyond them, up to the row's ends)."""
    steps = len(values)
    spacing = (values[-1] - values[0]) / (steps - 1)
    tile = (np.asarray(z, dtype=np.float64) - values[0]) / spacing  # 0 at the first tile's centre
    return np.clip((tile + 0.5) / steps, 0.0, 1.0)


class LatentPreviews:
    def __init__(
        self, renderer, latent_dim: int = 8, steps: int = 5, tile: int = 44, interval: float = 0.1, directory=SHADER_DIR
    ) -> None:
        if steps < 2 or tile < 8:
            raise ValueError(f"previews need steps >= 2 and tile >= 8 pixels, got {steps} and {tile}")
        self.renderer, self.ctx = renderer, renderer.ctx
        self.latent_dim, self.steps, self.tile, self.interval = latent_dim, steps, tile, interval
        self.values = np.linspace(-PLAYABLE, PLAYABLE, steps)
        self.atlas = OffscreenTarget(self.ctx)
        self.scale = 0.0
        self._resize(1.0)
        self.program = ReloadableProgram(self.ctx, "previews", {"ROWS": latent_dim}, directory=directory)
        self._vao: moderngl.VertexArray | None = None
        self._vao_generation = -1
        self._drawn_key: tuple | None = None
        self._drawn_at = float("-inf")
        self.renders = 0  # atlas renders so far

    @property
    def programs(self) -> list[ReloadableProgram]:
        return [self.program]

    @property
    def tile_pixels(self) -> int:
        """A tile's side in framebuffer pixels: on a HiDPI screen the atlas has the screen's pixel density."""
        return max(8, round(self.tile * self.scale))

    def _resize(self, scale: float) -> None:
        self.scale = scale
        side = self.tile_pixels
        self.atlas.ensure((self.steps * side, self.latent_dim * side))
        self.atlas.texture.filter = (moderngl.LINEAR, moderngl.LINEAR)
        self._drawn_key = None

    def _key(self, state: PerformanceState) -> tuple:
        return (state.z.tobytes(), *(state.params[name] for name in LOOK_PARAMS), self.renderer.program.generation)

    def update(self, state: PerformanceState, now: float, scale: float = 1.0) -> bool:
        """Re-render the atlas if the latents or the look changed and `interval` has passed; True if it did.
        `scale`: the screen's content scale (a change, e.g. the window moved to a HiDPI screen, re-renders)."""
        if scale != self.scale:
            self._resize(scale)
            self._drawn_at = float("-inf")
        key = self._key(state)
        if key == self._drawn_key or now - self._drawn_at < self.interval:
            return False
        framebuffer = self.atlas.framebuffer
        framebuffer.use()
        self.ctx.viewport = (0, 0, *self.atlas.size)
        framebuffer.clear(*BACKGROUND)
        tile_state = PerformanceState(
            latent_dim=self.latent_dim, z=state.z.copy(), params={**state.params, **TILE_LOOK}
        )
        side = self.tile_pixels
        inner = side - GAP
        for row in range(self.latent_dim):
            y = (self.latent_dim - 1 - row) * side + GAP // 2  # GL rows count from the bottom: latent 1 on top
            for column, value in enumerate(self.values):
                tile_state.z[:] = state.z
                tile_state.z[row] = value
                self.renderer.draw(tile_state, framebuffer, (inner, inner), (column * side + GAP // 2, y))
        self._drawn_key, self._drawn_at = key, now
        self.renders += 1
        return True

    def rect(self, scale: float = 1.0) -> tuple[float, float, float, float]:
        """Where the previews go on screen (pixels, top-left origin): below the HUD's panel."""
        return (
            MARGIN * scale,
            (MARGIN + PANEL_H + 8) * scale,
            self.steps * self.tile * scale,
            self.latent_dim * self.tile * scale,
        )

    def _vertex_array(self) -> moderngl.VertexArray:
        if self._vao is None or self._vao_generation != self.program.generation:
            if self._vao is not None:
                self._vao.release()
            self._vao = self.ctx.vertex_array(self.program.program, [])
            self._vao_generation = self.program.generation
        return self._vao

    def draw(
        self, framebuffer: moderngl.Framebuffer, size: tuple[int, int], state: PerformanceState, scale: float = 1.0
    ) -> None:
        framebuffer.use()
        self.ctx.viewport = (0, 0, size[0], size[1])
        self.ctx.disable(moderngl.BLEND)
        prog = self.program.program
        values = {
            "u_size": (float(size[0]), float(size[1])),
            "u_rect": self.rect(scale),
            "u_atlas": 0,
            "u_marker_width": 1.5 / (self.steps * self.tile),
        }
        for name, value in values.items():
            if name in prog:
                prog[name].value = value
        if "u_marker" in prog:
            prog["u_marker"].write(marker_positions(state.z, self.values).astype("f4").tobytes())
        self.atlas.texture.use(0)
        self._vertex_array().render(moderngl.TRIANGLES, vertices=6)

    def release(self) -> None:
        if self._vao is not None:
            self._vao.release()
        self.program.release()
        self.atlas.release()
