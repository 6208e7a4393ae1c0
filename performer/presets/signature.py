"""The signature diagram (the Fashion Space Explorer's visual shorthand for the 8 values) as a small image,
and the contact sheet: every landmark's garment with its diagram and name.

The curve is the HUD's (performer.render.hud.signature_points): the same picture in the HUD and the files.
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from performer.palettes import PALETTE_NAMES, palette_table
from performer.render.hud import MARGIN, SIG_R, SIG_X, SIG_Y, signature_points

SUPERSAMPLE = 4  # draw large, then shrink: smooth lines without an antialiasing rasteriser
INK = (60, 150, 255)  # the Explorer's blue
RING = (200, 200, 210)
PAPER = (255, 255, 255)


def signature_image(z, size: int = 64, ink=INK, paper=PAPER) -> np.ndarray:
    """uint8 [size, size, 3]: the reference circle (all values 0) and the closed curve of z."""
    big = size * SUPERSAMPLE
    image = Image.new("RGB", (big, big), paper)
    draw = ImageDraw.Draw(image)
    # The HUD curve reaches 2 * SIG_R at most (its radius is clipped there); fit that in the image.
    scale = (big / 2 - 2 * SUPERSAMPLE) / (2 * SIG_R)
    centre = np.array([MARGIN + SIG_X, MARGIN + SIG_Y])

    def to_image(points: np.ndarray) -> list[tuple[float, float]]:
        return [tuple(p) for p in (points - centre) * scale + big / 2]

    ring = np.arange(64) * (2 * math.pi / 64)
    circle = np.stack([centre[0] + SIG_R * np.cos(ring), centre[1] + SIG_R * np.sin(ring)], 1)
    draw.line(to_image(circle) + to_image(circle[:1]), fill=RING, width=SUPERSAMPLE)
    curve = to_image(signature_points(np.asarray(z, dtype=np.float64), 256))
    draw.line(curve + curve[:1], fill=ink, width=2 * SUPERSAMPLE, joint="curve")
    return np.asarray(image.resize((size, size), Image.LANCZOS))


def colourise(grey: np.ndarray, palette: str | None) -> np.ndarray:
    """Grey [H, W] in 0..1 through a palette (as the shader does) -> uint8 [H, W, 3]."""
    table = palette_table(256)[PALETTE_NAMES.index(palette) if palette else 0]
    index = np.clip(np.rint(grey * 255), 0, 255).astype(np.int64)
    return (table[index] * 255 + 0.5).astype(np.uint8)


def render_garment(generator, landmark, size: int) -> np.ndarray:
    import torch

    z = torch.tensor([landmark.z], dtype=torch.float32)
    with torch.no_grad():
        image = generator.render(z, size, size, zoom=landmark.zoom or 1.0)[0]
    grey = image.mean(0).numpy() if image.shape[0] > 1 else image[0].numpy()
    return colourise(grey, landmark.palette)


def contact_sheet(landmarks, generator, tile: int = 128, columns: int = 6) -> np.ndarray:
    """uint8 RGB: per landmark its garment (tile x tile, its palette and zoom), diagram and name."""
    diagram = tile // 2
    pad, text_h = 8, 14
    cell_w, cell_h = tile + diagram + 3 * pad, tile + text_h + 2 * pad
    rows = max(1, math.ceil(len(landmarks) / columns))
    sheet = Image.new("RGB", (columns * cell_w, rows * cell_h), PAPER)
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.load_default()
    for i, lm in enumerate(landmarks):
        x, y = (i % columns) * cell_w + pad, (i // columns) * cell_h + pad
        sheet.paste(Image.fromarray(render_garment(generator, lm, tile)), (x, y))
        sheet.paste(Image.fromarray(signature_image(lm.z, diagram)), (x + tile + pad, y))
        draw.text((x, y + tile + 2), f"{i}: {lm.name}"[:28], fill=(20, 20, 20), font=font)
    return np.asarray(sheet)
