"""The HUD over the output: latent bars, the signature diagram, frames per second and shader errors.

Everything is flat-coloured triangles built on the CPU each frame (a few thousand vertices), drawn by
shaders/hud.glsl with blending. Thick lines are quads because core profiles only promise 1-pixel lines.
"""

from __future__ import annotations

import math
from pathlib import Path

import moderngl
import numpy as np

from performer.render.font import GLYPH_H, GLYPH_W, glyph_cells
from performer.render.program import SHADER_DIR, ReloadableProgram
from performer.state import LATENT_LIMIT, PerformanceState

# Layout in HUD units (pixels times `scale`), origin at the top left of the frame.
MARGIN = 12
PANEL_W, PANEL_H = 420, 200
ROW0, ROW_PITCH = 34, 18  # latent i's bar is centred at y = MARGIN + ROW0 + i * ROW_PITCH
BAR_X, BAR_W, BAR_H = 40, 180, 10  # track from BAR_X to BAR_X + BAR_W, zero in the middle
SIG_X, SIG_Y, SIG_R = 320, 105, 55  # signature circle centre and radius
SIG_GAIN = 0.15  # radius grows by 15% per unit of z
TEXT_PX = 2  # one font cell is TEXT_PX x TEXT_PX units

PANEL = (0.0, 0.0, 0.0, 0.55)
TRACK = (1.0, 1.0, 1.0, 0.18)
POSITIVE = (1.0, 0.62, 0.18, 0.95)
NEGATIVE = (0.25, 0.68, 1.0, 0.95)
TEXT = (1.0, 1.0, 1.0, 0.95)
CURVE = (1.0, 1.0, 1.0, 0.95)
ERROR_BG = (0.35, 0.0, 0.0, 0.8)
ERROR_TEXT = (1.0, 0.85, 0.85, 1.0)


class Geometry:
    """Accumulates triangles as rows of (x, y, r, g, b, a)."""

    def __init__(self, scale: float = 1.0) -> None:
        self.scale = scale
        self.rows: list[tuple[float, ...]] = []

    def rect(self, x: float, y: float, w: float, h: float, colour: tuple[float, ...]) -> None:
        s = self.scale
        x0, y0, x1, y1 = x * s, y * s, (x + w) * s, (y + h) * s
        for px, py in ((x0, y0), (x1, y0), (x1, y1), (x0, y0), (x1, y1), (x0, y1)):
            self.rows.append((px, py, *colour))

    def line(self, a: tuple[float, float], b: tuple[float, float], width: float, colour) -> None:
        s = self.scale
        (ax, ay), (bx, by) = (a[0] * s, a[1] * s), (b[0] * s, b[1] * s)
        length = math.hypot(bx - ax, by - ay) or 1.0
        nx, ny = -(by - ay) / length * width * s / 2, (bx - ax) / length * width * s / 2
        quad = ((ax + nx, ay + ny), (bx + nx, by + ny), (bx - nx, by - ny), (ax - nx, ay - ny))
        for index in (0, 1, 2, 0, 2, 3):
            self.rows.append((*quad[index], *colour))

    def polyline(self, points: np.ndarray, width: float, colour, closed: bool = True) -> None:
        count = len(points) if closed else len(points) - 1
        for i in range(count):
            self.line(tuple(points[i]), tuple(points[(i + 1) % len(points)]), width, colour)

    def text(self, x: float, y: float, text: str, colour, px: float = TEXT_PX) -> float:
        """Draw text with its top-left at (x, y); returns the x after the last character."""
        for char in text:
            for col, row in glyph_cells(char):
                self.rect(x + col * px, y + row * px, px, px, colour)
            x += (GLYPH_W + 1) * px
        return x

    def array(self) -> np.ndarray:
        return np.asarray(self.rows, dtype=np.float32).reshape(-1, 6)


def signature_points(z: np.ndarray, samples: int = 128) -> np.ndarray:
    """The signature diagram: radius r(theta) through the latent values, as a smooth closed curve.

    Latent i sits at angle 2*pi*i/L clockwise from the top. The curve is the trigonometric interpolation of
    the L values (their own low-frequency Fourier series), so it passes through every value exactly and
    has no corners. Returns [samples, 2] points in HUD units.
    """
    z = np.asarray(z, dtype=np.float64)
    count = len(z)
    coeffs = np.fft.rfft(z)
    weights = np.full(len(coeffs), 2.0)
    weights[0] = 1.0
    if count % 2 == 0:
        weights[-1] = 1.0  # the Nyquist term is its own conjugate: counted once
    theta = np.arange(samples) * (2 * math.pi / samples)
    values = np.real(np.exp(1j * np.outer(theta, np.arange(len(coeffs)))) @ (weights * coeffs)) / count
    radius = SIG_R * np.clip(1.0 + SIG_GAIN * values, 0.1, 2.0)
    angle = theta - math.pi / 2
    return np.stack([MARGIN + SIG_X + radius * np.cos(angle), MARGIN + SIG_Y + radius * np.sin(angle)], 1)


def build_hud(state: PerformanceState, fps: float, errors: list[str], size: tuple[int, int],
              scale: float = 1.0, status: list[str] = ()) -> np.ndarray:
    """The HUD's triangles for this frame, [n, 6] float32 in framebuffer pixels. At the bottom left: status
    lines (walk, recording, controllers) on the panel colour, and below them errors on red."""
    g = Geometry(scale)
    g.rect(MARGIN, MARGIN, PANEL_W, PANEL_H, PANEL)
    g.text(MARGIN + 10, MARGIN + 10, f"{fps:5.1f} FPS" + ("  PAUSED" if state.paused else ""), TEXT)
    centre = MARGIN + BAR_X + BAR_W / 2
    for i, value in enumerate(state.z):
        y = MARGIN + ROW0 + i * ROW_PITCH
        g.text(MARGIN + 10, y - GLYPH_H * TEXT_PX / 2, str(i + 1), TEXT)
        g.rect(MARGIN + BAR_X, y - BAR_H / 2, BAR_W, BAR_H, TRACK)
        length = float(np.clip(value / LATENT_LIMIT, -1, 1)) * BAR_W / 2
        g.rect(min(centre, centre + length), y - BAR_H / 2, abs(length), BAR_H,
               POSITIVE if value >= 0 else NEGATIVE)
        g.text(MARGIN + BAR_X + BAR_W + 8, y - GLYPH_H * TEXT_PX / 2, f"{value:+.1f}", TEXT, px=1.5)
    circle = np.arange(64) * (2 * math.pi / 64)
    ring = np.stack([MARGIN + SIG_X + SIG_R * np.cos(circle), MARGIN + SIG_Y + SIG_R * np.sin(circle)], 1)
    g.polyline(ring, 1.0, TRACK)
    g.polyline(signature_points(state.z), 2.5, CURVE)
    height = size[1] / scale
    error_lines = [line[:110] for error in errors for line in error.splitlines()][-6:]
    status_lines = [line[:110] for text in status for line in text.splitlines()][-6:]
    stack = [(line, PANEL, TEXT) for line in status_lines] + [(line, ERROR_BG, ERROR_TEXT) for line in error_lines]
    for index, (line, background, colour) in enumerate(reversed(stack)):  # the last line at the bottom
        y = height - MARGIN - (index + 1) * (GLYPH_H + 2) * TEXT_PX - 4
        g.rect(MARGIN, y - 2, len(line) * (GLYPH_W + 1) * TEXT_PX + 4, (GLYPH_H + 2) * TEXT_PX, background)
        g.text(MARGIN + 2, y, line, colour)
    return g.array()


class Hud:
    def __init__(self, ctx: moderngl.Context, directory: Path = SHADER_DIR) -> None:
        self.ctx = ctx
        self.program = ReloadableProgram(ctx, "hud", directory=directory)
        self.buffer = ctx.buffer(reserve=6 * 4 * 4096, dynamic=True)
        self._vao: moderngl.VertexArray | None = None
        self._generation = -1

    @property
    def programs(self) -> list[ReloadableProgram]:
        return [self.program]

    def _vertex_array(self) -> moderngl.VertexArray:
        if self._vao is None or self._generation != self.program.generation:
            if self._vao is not None:
                self._vao.release()
            self._vao = self.ctx.vertex_array(
                self.program.program, [(self.buffer, "2f 4f", "in_position", "in_color")]
            )
            self._generation = self.program.generation
        return self._vao

    def draw(self, framebuffer: moderngl.Framebuffer, size: tuple[int, int], state: PerformanceState,
             fps: float, errors: list[str] | None = None, scale: float = 1.0, status: list[str] = ()) -> None:
        """Blend the HUD over whatever `framebuffer` holds."""
        vertices = build_hud(state, fps, errors or [], size, scale, status)
        data = vertices.tobytes()
        if len(data) > self.buffer.size:
            self.buffer.orphan(len(data) * 2)
            self._vao = None  # the vertex array keeps the old buffer's size
        else:
            self.buffer.orphan()
        self.buffer.write(data)
        framebuffer.use()
        self.ctx.viewport = (0, 0, size[0], size[1])
        self.ctx.enable(moderngl.BLEND)
        self.ctx.blend_func = moderngl.SRC_ALPHA, moderngl.ONE_MINUS_SRC_ALPHA
        if "u_size" in self.program.program:
            self.program.program["u_size"].value = (float(size[0]), float(size[1]))
        self._vertex_array().render(moderngl.TRIANGLES, vertices=len(vertices))
        self.ctx.disable(moderngl.BLEND)

    def release(self) -> None:
        if self._vao is not None:
            self._vao.release()
        self.buffer.release()
        self.program.release()
