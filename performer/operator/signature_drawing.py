"""The signature diagram drawn with an ImGui draw list, as the HUD draws it (performer/render/hud.py): the
reference circle (every latent 0) and the closed curve through the values. The curve is computed once per z
in units of the diagram (`signature_curve`), so a panel with many diagrams (the landmarks) only offsets and
scales points each frame."""

from __future__ import annotations

import numpy as np

from performer.render.hud import MARGIN, SIG_R, SIG_X, SIG_Y, signature_points

INK = (0.24, 0.59, 1.0, 1.0)  # the Explorer's blue
RING = (0.55, 0.55, 0.6, 1.0)
REACH = 2 * SIG_R  # the HUD's radius is clipped there: the farthest the curve goes from the centre


def signature_curve(z, samples: int = 128) -> np.ndarray:
    """[samples, 2]: the curve of z around the centre 0, in units of REACH (the curve stays within 1)."""
    centre = np.array([MARGIN + SIG_X, MARGIN + SIG_Y])
    return (signature_points(np.asarray(z, dtype=np.float64), samples) - centre) / REACH


def draw_signature(imgui, draw, curve: np.ndarray, origin, side: float, scale: float) -> None:
    """The diagram in the square of `side` pixels whose top-left corner is `origin` (an ImVec2)."""
    fit = side / 2 - 2 * scale  # room for the curve's line width at the edge
    middle = np.array([origin.x + side / 2, origin.y + side / 2])
    ring = imgui.color_convert_float4_to_u32(imgui.ImVec4(*RING))
    draw.add_circle(imgui.ImVec2(*middle), SIG_R / REACH * fit, ring, 64, 1.0 * scale)
    ink = imgui.color_convert_float4_to_u32(imgui.ImVec4(*INK))
    points = [imgui.ImVec2(*p) for p in curve * fit + middle]
    draw.add_polyline(points, ink, 2.0 * scale if side >= 60 * scale else 1.5 * scale, imgui.ImDrawFlags_.closed)
