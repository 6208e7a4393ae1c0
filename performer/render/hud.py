"""The HUD over the output: latent bars, the signature diagram, the loop's timing, status lines and errors.

Everything is flat-coloured triangles built on the CPU (numpy, a few thousand rectangles), drawn by
shaders/hud.glsl with blending. Thick lines are quads because core profiles only promise 1-pixel lines.
It has to read over any image on a projector without cutting a box out of it: there is no panel, text
is drawn with a dark outline, tracks and curves have a dark edge and a light one, errors sit on a
translucent red band.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import moderngl
import numpy as np

from performer.render.font import GLYPH_H, GLYPH_W, hud_text, text_cells
from performer.render.program import SHADER_DIR, ReloadableProgram
from performer.state import LATENT_LIMIT, PerformanceState

# Layout in HUD units (pixels times `scale`), origin at the top left of the frame.
MARGIN = 12
PANEL_W, PANEL_H = 420, 200  # the area the top block (timing, bars, signature) stays inside
ROW0, ROW_PITCH = 34, 18  # latent i's bar is centred at y = MARGIN + ROW0 + i * ROW_PITCH
BAR_X, BAR_W, BAR_H = 40, 180, 10  # track from BAR_X to BAR_X + BAR_W, zero in the middle
SIG_X, SIG_Y, SIG_R = 320, 105, 55  # signature circle centre and radius
SIG_GAIN = 0.15  # radius grows by 15% per unit of z
TEXT_PX = 2  # one font cell is TEXT_PX x TEXT_PX units
OUTLINE_W = 1  # units of dark edge around every lit font cell
LINE_CHARS = 110  # status and error lines are cut here

OUTLINE = (0.0, 0.0, 0.0, 0.9)
TRACK_EDGE = (1.0, 1.0, 1.0, 0.4)
TRACK = (0.0, 0.0, 0.0, 0.5)
POSITIVE = (1.0, 0.62, 0.18, 0.95)
NEGATIVE = (0.25, 0.68, 1.0, 0.95)
TEXT = (1.0, 1.0, 1.0, 1.0)
CURVE = (1.0, 1.0, 1.0, 0.95)
SHADOW = (0.0, 0.0, 0.0, 0.7)
ERROR_BG = (0.8, 0.0, 0.0, 0.45)
ERROR_TEXT = (1.0, 0.85, 0.85, 1.0)

_CORNERS = np.array([[0, 0], [1, 0], [1, 1], [0, 0], [1, 1], [0, 1]], dtype=np.float32)  # two triangles


@dataclass(frozen=True)
class FrameTiming:
    """What the loop did over its last half second: frames shown (the loop's rate), frames the renderer
    drew (0 while the picture is still), and how long a render took, GPU included."""

    present_fps: float = 0.0
    render_fps: float = 0.0
    render_ms: float = 0.0

    def line(self) -> str:
        return f"RENDER {self.render_ms:.1f} MS {self.render_fps:.1f}/S  PRESENT {self.present_fps:.1f}/S"


class Geometry:
    """Accumulates triangles as rows of (x, y, r, g, b, a), in drawing order; text goes on top of all."""

    def __init__(self, scale: float = 1.0) -> None:
        self.scale = scale
        self.chunks: list[np.ndarray] = []
        self.text_cells: dict[tuple[float, ...], list[np.ndarray]] = {}  # colour -> [n, 3] rows of (x, y, px)

    def rects(self, boxes, colour: tuple[float, ...]) -> None:
        """Rectangles given as rows of (x, y, w, h) in HUD units, all in one colour."""
        boxes = np.asarray(boxes, dtype=np.float32).reshape(-1, 4) * self.scale
        if not len(boxes):
            return
        out = np.empty((len(boxes), 6, 6), dtype=np.float32)
        np.multiply(_CORNERS[None], boxes[:, None, 2:], out=out[..., :2])
        out[..., :2] += boxes[:, None, :2]
        out[..., 2:] = colour
        self.chunks.append(out.reshape(-1, 6))

    def rect(self, x: float, y: float, w: float, h: float, colour: tuple[float, ...]) -> None:
        self.rects([(x, y, w, h)], colour)

    def polyline(self, points: np.ndarray, width: float, colour, closed: bool = True) -> None:
        a = np.asarray(points, dtype=np.float32) * self.scale
        b = np.roll(a, -1, axis=0) if closed else a[1:]
        a = a if closed else a[:-1]
        along = b - a
        length = np.maximum(np.hypot(along[:, 0], along[:, 1]), 1e-6)[:, None]
        normal = np.stack([-along[:, 1], along[:, 0]], 1) / length * (width * self.scale / 2)
        quads = np.stack([a + normal, b + normal, b - normal, a - normal], 1)  # [n, 4, 2]
        out = np.empty((len(quads), 6, 6), dtype=np.float32)
        out[..., :2] = quads[:, [0, 1, 2, 0, 2, 3]]
        out[..., 2:] = colour
        self.chunks.append(out.reshape(-1, 6))

    def line(self, a: tuple[float, float], b: tuple[float, float], width: float, colour) -> None:
        self.polyline(np.array([a, b]), width, colour, closed=False)

    def text(self, x: float, y: float, text: str, colour, px: float = TEXT_PX) -> float:
        """Outlined text with its top-left at (x, y), drawn over everything else; returns the x after the
        last character."""
        text = hud_text(text)
        advance = (GLYPH_W + 1) * px
        cells = text_cells(text).astype(np.float32)
        at = np.stack(
            [x + cells[:, 0] * advance + cells[:, 1] * px, y + cells[:, 2] * px, np.full(len(cells), px, np.float32)], 1
        )
        self.text_cells.setdefault(tuple(colour), []).append(at)
        return x + len(text) * advance

    def _flush_text(self) -> None:
        """Every outline before any fill, so one letter's edge never covers the next letter."""
        cells = {colour: np.concatenate(rows) for colour, rows in self.text_cells.items()}
        self.text_cells = {}
        if not cells:
            return
        every = np.concatenate(list(cells.values()))
        o = OUTLINE_W
        self.rects(np.concatenate([every[:, :2] - o, every[:, 2:] + 2 * o, every[:, 2:] + 2 * o], 1), OUTLINE)
        for colour, at in cells.items():
            self.rects(np.concatenate([at[:, :2], at[:, 2:], at[:, 2:]], 1), colour)

    def array(self) -> np.ndarray:
        self._flush_text()
        return np.concatenate(self.chunks) if self.chunks else np.zeros((0, 6), np.float32)


def text_width(text: str, px: float = TEXT_PX) -> float:
    return len(hud_text(text)) * (GLYPH_W + 1) * px


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


def hud_lines(timing: FrameTiming, state: PerformanceState, errors: list[str], status: list[str]):
    """Every line of text the HUD prints, as (kind, text): the timing line, then status and error lines as
    they will be drawn (split, cut and the last six of each)."""
    header = timing.line() + ("  PAUSED" if state.paused else "")
    error_lines = [line[:LINE_CHARS] for error in errors for line in error.splitlines()][-6:]
    status_lines = [line[:LINE_CHARS] for text in status for line in text.splitlines()][-6:]
    return header, status_lines, error_lines


def build_hud(
    state: PerformanceState,
    timing: FrameTiming,
    errors: list[str],
    size: tuple[int, int],
    scale: float = 1.0,
    status: list[str] = (),
) -> np.ndarray:
    """The HUD's triangles for this frame, [n, 6] float32 in framebuffer pixels. At the top left the timing
    line, the latent bars and the signature; at the bottom left status lines (walk, landmark, recording,
    controllers) and below them errors on red."""
    g = Geometry(scale)
    header, status_lines, error_lines = hud_lines(timing, state, errors, status)
    g.text(MARGIN + 10, MARGIN + 10, header, TEXT)
    centre = MARGIN + BAR_X + BAR_W / 2
    rows = MARGIN + ROW0 + np.arange(len(state.z)) * ROW_PITCH - BAR_H / 2
    left = np.full_like(rows, MARGIN + BAR_X)
    g.rects(np.stack([left - 1, rows - 1, np.full_like(rows, BAR_W + 2), np.full_like(rows, BAR_H + 2)], 1), TRACK_EDGE)
    g.rects(np.stack([left, rows, np.full_like(rows, BAR_W), np.full_like(rows, BAR_H)], 1), TRACK)
    lengths = np.clip(np.asarray(state.z, dtype=np.float64) / LATENT_LIMIT, -1, 1) * BAR_W / 2
    for positive, colour in ((True, POSITIVE), (False, NEGATIVE)):
        chosen = (lengths >= 0) == positive
        starts = np.minimum(centre, centre + lengths[chosen])
        g.rects(np.stack([starts, rows[chosen], np.abs(lengths[chosen]), np.full(chosen.sum(), BAR_H)], 1), colour)
    for i, value in enumerate(state.z):
        y = rows[i] + BAR_H / 2 - GLYPH_H * TEXT_PX / 2
        g.text(MARGIN + 10, y, str(i + 1), TEXT)
        g.text(MARGIN + BAR_X + BAR_W + 8, y, f"{value:+.1f}", TEXT)
    circle = np.arange(64) * (2 * math.pi / 64)
    ring = np.stack([MARGIN + SIG_X + SIG_R * np.cos(circle), MARGIN + SIG_Y + SIG_R * np.sin(circle)], 1)
    g.polyline(ring, 3.0, SHADOW)
    g.polyline(ring, 1.0, TRACK_EDGE)
    curve = signature_points(state.z)
    g.polyline(curve, 5.0, SHADOW)
    g.polyline(curve, 2.5, CURVE)
    height = size[1] / scale
    stack = [(line, None, TEXT) for line in status_lines] + [(line, ERROR_BG, ERROR_TEXT) for line in error_lines]
    pitch = (GLYPH_H + 2) * TEXT_PX
    for index, (line, background, colour) in enumerate(reversed(stack)):  # the last line at the bottom
        y = height - MARGIN - (index + 1) * pitch - 4
        if background is not None:
            g.rect(MARGIN, y - 2, text_width(line) + 4, pitch, background)
        g.text(MARGIN + 2, y, line, colour)
    return g.array()


class Hud:
    def __init__(self, ctx: moderngl.Context, directory: Path = SHADER_DIR) -> None:
        self.ctx = ctx
        self.program = ReloadableProgram(ctx, "hud", directory=directory)
        self.buffer = ctx.buffer(reserve=6 * 4 * 4096, dynamic=True)
        self._vao: moderngl.VertexArray | None = None
        self._generation = -1
        self._built_key: tuple | None = None
        self._vertex_count = 0

    @property
    def programs(self) -> list[ReloadableProgram]:
        return [self.program]

    def _vertex_array(self) -> moderngl.VertexArray:
        if self._vao is None or self._generation != self.program.generation:
            if self._vao is not None:
                self._vao.release()
            self._vao = self.ctx.vertex_array(self.program.program, [(self.buffer, "2f 4f", "in_position", "in_color")])
            self._generation = self.program.generation
        return self._vao

    def draw(
        self,
        framebuffer: moderngl.Framebuffer,
        size: tuple[int, int],
        state: PerformanceState,
        timing: FrameTiming,
        errors: list[str] | None = None,
        scale: float = 1.0,
        status: list[str] = (),
    ) -> None:
        """Blend the HUD over whatever `framebuffer` holds. The triangles are rebuilt only when something
        they show changed (the timing line changes twice a second; a still show costs one upload then)."""
        errors = list(errors or [])
        key = (
            tuple(np.asarray(state.z, dtype=np.float64).round(2)),
            state.paused,
            timing,
            tuple(errors),
            tuple(status),
            tuple(size),
            scale,
        )
        if key != self._built_key:
            vertices = build_hud(state, timing, errors, size, scale, status)
            data = vertices.tobytes()
            if len(data) > self.buffer.size:
                self.buffer.orphan(len(data) * 2)
                self._vao = None  # the vertex array keeps the old buffer's size
            else:
                self.buffer.orphan()
            self.buffer.write(data)
            self._built_key, self._vertex_count = key, len(vertices)
        framebuffer.use()
        self.ctx.viewport = (0, 0, size[0], size[1])
        self.ctx.enable(moderngl.BLEND)
        self.ctx.blend_func = moderngl.SRC_ALPHA, moderngl.ONE_MINUS_SRC_ALPHA
        if "u_size" in self.program.program:
            self.program.program["u_size"].value = (float(size[0]), float(size[1]))
        self._vertex_array().render(moderngl.TRIANGLES, vertices=self._vertex_count)
        self.ctx.disable(moderngl.BLEND)

    def release(self) -> None:
        if self._vao is not None:
            self._vao.release()
        self.buffer.release()
        self.program.release()
