"""Style images made by code, so the shipped prints owe nothing to anyone's licence.

Each function returns float32 [size, size, 3] in 0..1 and tiles seamlessly (periods divide the size), so a
random crop of the image is as good a style sample as the whole.
"""

from __future__ import annotations

import numpy as np

NAVY = (0.08, 0.11, 0.28)
CREAM = (0.96, 0.93, 0.84)
RED = (0.78, 0.09, 0.14)
WHITE = (0.98, 0.97, 0.95)
CHARCOAL = (0.10, 0.09, 0.09)
TAN = (0.86, 0.66, 0.36)
OCHRE = (0.64, 0.40, 0.13)
BLACK = (0.05, 0.04, 0.03)


def two_colour(mask: np.ndarray, ink: tuple, ground: tuple) -> np.ndarray:
    """mask (1 = ink) [H, W] float -> RGB, blending so soft edges stay soft."""
    m = mask[..., None].astype(np.float32)
    return (m * np.array(ink, np.float32) + (1.0 - m) * np.array(ground, np.float32)).astype(np.float32)


def soft_step(distance: np.ndarray, width: float = 1.0) -> np.ndarray:
    """1 inside (distance < 0), 0 outside, with a one-pixel ramp: an anti-aliased edge."""
    return np.clip(0.5 - distance / width, 0.0, 1.0)


def stripes(size: int = 256, period: int = 32) -> np.ndarray:
    """Breton stripes: navy bands a third of the period wide on cream, horizontal."""
    y = np.arange(size, dtype=np.float32)[:, None] + 0.5
    phase = np.mod(y, period)
    band = period / 3.0
    mask = soft_step(np.abs(phase - period / 2.0) - band / 2.0) * np.ones((1, size), np.float32)
    return two_colour(mask, NAVY, CREAM)


def polka_dots(size: int = 256, period: int = 32) -> np.ndarray:
    """White dots on red on a staggered grid (every other row shifted by half a period)."""
    y, x = np.mgrid[0:size, 0:size].astype(np.float32) + 0.5
    row = np.floor(y / period)
    xs = np.mod(x + (row % 2) * period / 2.0, period) - period / 2.0
    ys = np.mod(y, period) - period / 2.0
    mask = soft_step(np.hypot(xs, ys) - period * 0.28)
    return two_colour(mask, WHITE, RED)


def houndstooth(size: int = 256, thread: int = 4) -> np.ndarray:
    """The real weave: a 2/2 twill whose warp and weft both run four dark threads then four light ones.
    Where the warp is on top the warp's colour shows, else the weft's; that is what makes the teeth."""
    y, x = np.mgrid[0:size, 0:size] // thread
    warp_on_top = np.mod(x + y, 4) < 2
    warp_dark = np.mod(x, 8) < 4
    weft_dark = np.mod(y, 8) < 4
    mask = np.where(warp_on_top, warp_dark, weft_dark).astype(np.float32)
    return two_colour(mask, CHARCOAL, CREAM)


def leopard(size: int = 256, spots: int = 28, seed: int = 3) -> np.ndarray:
    """Rosettes: broken dark rings around ochre centres on tan, plus small solid spots; wraps at the edges."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size, 0:size].astype(np.float32) + 0.5
    ink = np.zeros((size, size), np.float32)
    centre = np.zeros((size, size), np.float32)
    for _ in range(spots):
        cx, cy = rng.uniform(0, size, 2)
        radius = rng.uniform(0.035, 0.06) * size
        dx = np.mod(x - cx + size / 2, size) - size / 2  # wrapped: the texture tiles
        dy = np.mod(y - cy + size / 2, size) - size / 2
        stretch = rng.uniform(0.75, 1.25)
        d = np.hypot(dx * stretch, dy / stretch)
        angle = np.arctan2(dy, dx)
        # The ring is broken into 3-5 blobs by an angular wave with a random phase.
        lobes = rng.integers(3, 6)
        gaps = np.cos(lobes * angle + rng.uniform(0, 2 * np.pi)) > -0.35
        ring = soft_step(np.abs(d - radius) - radius * 0.28) * gaps
        ink = np.maximum(ink, ring)
        centre = np.maximum(centre, soft_step(d - radius * 0.8))
    for _ in range(spots):  # small solid spots between the rosettes
        cx, cy = rng.uniform(0, size, 2)
        dx = np.mod(x - cx + size / 2, size) - size / 2
        dy = np.mod(y - cy + size / 2, size) - size / 2
        ink = np.maximum(ink, soft_step(np.hypot(dx, dy) - rng.uniform(0.008, 0.016) * size))
    image = two_colour(centre, OCHRE, TAN)
    return (image * (1.0 - ink[..., None]) + ink[..., None] * np.array(BLACK, np.float32)).astype(np.float32)


def tartan_photo(size: int = 384, seed: int = 7) -> np.ndarray:
    """A fabric photo stand-in, as a user would take one: a Black Watch-like tartan woven as a 2/2 twill of
    coloured threads, each thread a little uneven, under uneven light, slightly rotated. Not a clean tile
    (it does not wrap): it exercises `performer train-prints PHOTO.jpg` on what a camera gives
    (models/prints/tartan.jpg was written from it)."""
    rng = np.random.default_rng(seed)
    sett = [
        (NAVY, 12),
        ((0.05, 0.22, 0.12), 12),
        (BLACK, 4),
        ((0.05, 0.22, 0.12), 12),
        (NAVY, 12),
        ((0.55, 0.08, 0.10), 2),
    ]
    colours = np.concatenate([np.tile(np.array(c, np.float32), (n, 1)) for c, n in sett])  # one per thread
    y, x = np.mgrid[0:size, 0:size].astype(np.float32)
    angle = np.deg2rad(4.0)
    u = np.cos(angle) * x + np.sin(angle) * y + 40.0
    v = -np.sin(angle) * x + np.cos(angle) * y + 40.0
    warp, weft = np.floor(u / 2.0).astype(int), np.floor(v / 2.0).astype(int)  # threads two pixels wide
    warp_on_top = np.mod(warp + weft, 4) < 2
    image = colours[np.where(warp_on_top, warp, weft) % len(colours)]
    threads = np.where(warp_on_top, warp, weft)
    evenness = 1.0 + 0.12 * rng.standard_normal(len(colours) * 8)  # some threads a little lighter, some darker
    image = image * evenness[threads % len(evenness)][..., None]
    light = 0.75 + 0.45 * np.exp(-(((x - 0.3 * size) ** 2 + (y - 0.35 * size) ** 2) / (0.9 * size) ** 2))
    image = image * light[..., None] + 0.02 * rng.standard_normal(image.shape)
    return np.clip(image, 0.0, 1.0).astype(np.float32)


STYLES = {"stripes": stripes, "polka_dots": polka_dots, "houndstooth": houndstooth, "leopard": leopard}


def style_image(name: str, size: int = 256) -> np.ndarray:
    if name not in STYLES:
        raise ValueError(f"unknown procedural style {name!r}; known: {', '.join(STYLES)}")
    return STYLES[name](size)
