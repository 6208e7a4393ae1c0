"""Random texture patches made by code, with labels: the training data of the trained loss network.

Every class is drawn from randomised parameters (scale, angle, colours, jitter) in a rotated, scaled frame,
so a class is a kind of texture, not one picture. Beside the prints' kinds (stripes, round dots, houndstooth,
leopard rosettes, check) come hard negatives that look like what the random-weight loss network let
through: irregular blotches in the dots' colours, faint low-contrast spots on a flat ground, squares and
ellipses on a dot grid (round is the point), noise, flat colour and Fashion-MNIST garments.

Patches are float32 [size, size, 3] in 0..1; `patch_batch` gives a labelled batch with the augmentation
every class shares (brightness, contrast, saturation, blur, sensor noise), so none of those tells classes apart.
"""

from __future__ import annotations

import numpy as np

from performer.prints.procedural_styles import BLACK, CHARCOAL, CREAM, NAVY, OCHRE, RED, TAN, WHITE, soft_step

CLASSES = (
    "stripes",
    "round_dots",
    "blotches",
    "square_or_oval_dots",
    "houndstooth",
    "leopard",
    "check",
    "faint_spots",
    "noise",
    "flat",
    "garment",
)
PALETTES = ((WHITE, RED), (NAVY, CREAM), (CHARCOAL, CREAM), (BLACK, TAN), (OCHRE, TAN), (RED, WHITE))


def jitter(colour, rng: np.random.Generator, amount: float = 0.06) -> np.ndarray:
    return np.clip(np.asarray(colour, np.float32) + rng.normal(0, amount, 3), 0, 1).astype(np.float32)


def two_colours(rng: np.random.Generator, style: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """(ink, ground): a print palette (jittered) with probability `style`, else two random colours that differ."""
    if rng.random() < style:
        ink, ground = PALETTES[rng.integers(len(PALETTES))]
        pair = (jitter(ink, rng), jitter(ground, rng))
        return pair if rng.random() < 0.8 else pair[::-1]
    while True:
        a, b = rng.random(3).astype(np.float32), rng.random(3).astype(np.float32)
        if np.abs(a - b).sum() > 0.6:
            return a, b


def paint(mask: np.ndarray, ink: np.ndarray, ground: np.ndarray) -> np.ndarray:
    m = np.clip(mask, 0, 1)[..., None].astype(np.float32)
    return m * ink + (1 - m) * ground


def frame(rng: np.random.Generator, size: int, axis_aligned: float = 0.4) -> tuple[np.ndarray, np.ndarray]:
    """Pixel-unit coordinates (u, v), rotated by a random angle (or a right angle) and shifted randomly."""
    y, x = np.mgrid[0:size, 0:size].astype(np.float32) + 0.5
    angle = rng.integers(4) * np.pi / 2 if rng.random() < axis_aligned else rng.uniform(0, np.pi)
    c, s = np.cos(angle), np.sin(angle)
    return c * x + s * y + rng.uniform(0, 1000), -s * x + c * y + rng.uniform(0, 1000)


def smooth_noise(rng: np.random.Generator, size: int, sigma: float) -> np.ndarray:
    """White noise blurred by a Gaussian of `sigma` pixels (through the FFT: it wraps), unit variance."""
    noise = rng.standard_normal((size, size))
    f = np.fft.fftfreq(size)
    kernel = np.exp(-2 * (np.pi * sigma) ** 2 * (f[:, None] ** 2 + f[None, :] ** 2))
    field = np.real(np.fft.ifft2(np.fft.fft2(noise) * kernel))
    return ((field - field.mean()) / (field.std() + 1e-8)).astype(np.float32)


def stripes(rng, size):
    u, _ = frame(rng, size)
    period = rng.uniform(6, 30)
    width = period * rng.uniform(0.2, 0.6)
    mask = soft_step(np.abs(np.mod(u, period) - period / 2) - width / 2)
    return paint(mask, *two_colours(rng))


def dot_grid(rng, size, shape: str):
    """A (staggered or square) grid of dots, each centre jittered a little; `shape` round, square or oval."""
    u, v = frame(rng, size, axis_aligned=0.5)
    period = rng.uniform(9, 30)
    radius = period * rng.uniform(0.18, 0.36)
    row = np.floor(v / period)
    u = u + (row % 2) * period / 2 if rng.random() < 0.7 else u
    col = np.floor(u / period)
    offsets = rng.uniform(-1, 1, (2, 16, 16)) * period * rng.uniform(0, 0.1)
    du = np.mod(u, period) - period / 2 + offsets[0][row.astype(int) % 16, col.astype(int) % 16]
    dv = np.mod(v, period) - period / 2 + offsets[1][row.astype(int) % 16, col.astype(int) % 16]
    if shape == "round":
        distance = np.hypot(du, dv) - radius
    elif shape == "square":
        distance = np.maximum(np.abs(du), np.abs(dv)) - radius * 0.9
    else:
        aspect = rng.uniform(1.6, 2.4)
        distance = (np.hypot(du / aspect, dv) - radius / aspect**0.5) * aspect**0.5
    return paint(soft_step(distance, rng.uniform(1.0, 1.8)), *two_colours(rng, 0.6))


def round_dots(rng, size):
    return dot_grid(rng, size, "round")


def square_or_oval_dots(rng, size):
    return dot_grid(rng, size, "square" if rng.random() < 0.5 else "oval")


def blotch_mask(rng, size, fraction: float, sigma: float) -> np.ndarray:
    field = smooth_noise(rng, size, sigma)
    return soft_step(np.quantile(field, 1 - fraction) - field, 0.15)


def blotches(rng, size):
    """Smoothed thresholded noise: irregular blobs, mostly in the polka dots' white on red."""
    mask = blotch_mask(rng, size, rng.uniform(0.15, 0.45), rng.uniform(1.5, 5.0))
    return paint(mask, *two_colours(rng, 0.7))


def houndstooth(rng, size):
    """The 2/2 twill with blocks of dark and light threads (as procedural_styles.houndstooth), any thread size."""
    u, v = frame(rng, size, axis_aligned=0.6)
    thread = rng.uniform(1.2, 4.0)
    block = int(rng.integers(2, 5))
    x, y = np.floor(u / thread).astype(int), np.floor(v / thread).astype(int)
    mask = np.where(np.mod(x + y, 4) < 2, np.mod(x, 2 * block) < block, np.mod(y, 2 * block) < block)
    return paint(mask.astype(np.float32), *two_colours(rng))


def rosettes(rng, size, contrast: float = 1.0):
    """Leopard: broken dark rings round lighter centres, plus small solid spots (procedural_styles.leopard's
    recipe at a random scale and in random colours)."""
    y, x = np.mgrid[0:size, 0:size].astype(np.float32) + 0.5
    radius_range = np.array((0.6, 1.0)) * rng.uniform(4, 11)
    count = int(size * size * rng.uniform(0.25, 0.45) / (np.pi * radius_range.mean() ** 2 * 2.2)) + 1
    ink, centre = np.zeros((size, size), np.float32), np.zeros((size, size), np.float32)
    for _ in range(count):
        cx, cy = rng.uniform(-4, size + 4, 2)
        radius, stretch = rng.uniform(*radius_range), rng.uniform(0.75, 1.25)
        dx, dy = x - cx, y - cy
        d = np.hypot(dx * stretch, dy / stretch)
        gaps = np.cos(rng.integers(3, 6) * np.arctan2(dy, dx) + rng.uniform(0, 2 * np.pi)) > -0.35
        ink = np.maximum(ink, soft_step(np.abs(d - radius) - radius * 0.28) * gaps)
        centre = np.maximum(centre, soft_step(d - radius * 0.8))
    for _ in range(count):
        cx, cy = rng.uniform(0, size, 2)
        ink = np.maximum(ink, soft_step(np.hypot(x - cx, y - cy) - rng.uniform(0.15, 0.3) * radius_range[0]))
    if rng.random() < 0.6:
        ground, middle, dark = jitter(TAN, rng), jitter(OCHRE, rng), jitter(BLACK, rng, 0.03)
    else:
        ground, middle = two_colours(rng, 0.0)
        dark = ground * rng.uniform(0.0, 0.3)
    middle = ground + contrast * (middle - ground)
    dark = ground + contrast * (dark - ground)
    return paint(ink, dark, paint(centre, middle, ground))


def leopard(rng, size):
    return rosettes(rng, size)


def check(rng, size):
    """Gingham or tartan: one sett of coloured bands on both axes, mixed (gingham) or woven as a 2/2 twill."""
    u, v = frame(rng, size, axis_aligned=0.7)
    bands = int(rng.integers(2, 6))
    widths = rng.uniform(2, 14, bands)
    if bands == 2:
        widths[:] = widths[0]
    colours = np.stack([two_colours(rng, 0.3)[0] for _ in range(bands)])
    edges = np.cumsum(widths)

    def band(t):
        return np.searchsorted(edges, np.mod(t, edges[-1]), side="right").clip(0, bands - 1)

    warp, weft = colours[band(u)], colours[band(v)]
    if rng.random() < 0.5:
        return (warp + weft) / 2
    thread = rng.uniform(1.0, 2.5)
    on_top = np.mod(np.floor(u / thread) + np.floor(v / thread), 4) < 2
    return np.where(on_top[..., None], warp, weft)


def faint_spots(rng, size):
    """The failures to tell from the real thing: blotches, dots or rosettes at a tenth to a third of the contrast."""
    contrast = rng.uniform(0.08, 0.3)
    if rng.random() < 0.4:
        return rosettes(rng, size, contrast)
    image = blotches(rng, size) if rng.random() < 0.5 else round_dots(rng, size)
    mean = image.reshape(-1, 3).mean(0) if rng.random() < 0.5 else image.reshape(-1, 3).max(0)
    return mean + contrast * (image - mean)


def noise(rng, size):
    sigma = rng.choice([0.0, rng.uniform(0.5, 4.0)])
    ink, ground = two_colours(rng, 0.4)
    field = rng.standard_normal((size, size)).astype(np.float32) if sigma == 0 else smooth_noise(rng, size, sigma)
    mask = 0.5 + field * rng.uniform(0.1, 0.35)
    if rng.random() < 0.3:  # independent noise in every channel
        mask = mask[..., None] + rng.uniform(0.05, 0.2) * rng.standard_normal((size, size, 3))
        return np.clip(mask * ink + (1 - mask) * ground, 0, 1)
    return paint(mask, ink, ground)


def flat(rng, size):
    colour = jitter(TAN, rng, 0.08) if rng.random() < 0.3 else two_colours(rng)[1]
    u, _ = frame(rng, size)
    gradient = (u - u.mean()) / size * rng.uniform(0, 0.25)
    return np.clip(colour + gradient[..., None], 0, 1)


def garment(rng, size, mnist: np.ndarray | None):
    """A Fashion-MNIST garment (or a part of one) upscaled and tinted; a smooth blob if none is loaded."""
    if mnist is None:
        grey = 1.0 - soft_step(np.abs(smooth_noise(rng, size, size / 6)) - 0.8, 0.4)
    else:
        image = mnist[rng.integers(len(mnist))].astype(np.float32) / 255.0
        crop = int(rng.integers(12, 29))
        top, left = rng.integers(0, 29 - crop, 2)
        part = image[top : top + crop, left : left + crop]
        index = (np.arange(size) + 0.5) * crop / size - 0.5  # bilinear resize
        i0 = np.clip(np.floor(index).astype(int), 0, crop - 1)
        i1, w = np.clip(i0 + 1, 0, crop - 1), np.clip(index - i0, 0, 1)
        rows = part[i0] * (1 - w)[:, None] + part[i1] * w[:, None]
        grey = rows[:, i0] * (1 - w)[None] + rows[:, i1] * w[None]
    tint = np.ones(3, np.float32) if rng.random() < 0.5 else rng.uniform(0.4, 1.0, 3).astype(np.float32)
    return grey[..., None] * tint


GENERATORS = {
    "stripes": stripes,
    "round_dots": round_dots,
    "blotches": blotches,
    "square_or_oval_dots": square_or_oval_dots,
    "houndstooth": houndstooth,
    "leopard": leopard,
    "check": check,
    "faint_spots": faint_spots,
    "noise": noise,
    "flat": flat,
}


def make_patch(label: int, rng: np.random.Generator, size: int = 64, mnist: np.ndarray | None = None) -> np.ndarray:
    name = CLASSES[label]
    image = garment(rng, size, mnist) if name == "garment" else GENERATORS[name](rng, size)
    return np.clip(np.asarray(image, np.float32), 0, 1)


def augment(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """What every class gets alike: flips, brightness, contrast, saturation, a little blur, sensor noise."""
    if rng.random() < 0.5:
        image = image[:, ::-1]
    if rng.random() < 0.5:
        image = image[::-1]
    mean = image.mean(axis=(0, 1), keepdims=True)
    image = mean + (image - mean) * rng.uniform(0.7, 1.2) + rng.uniform(-0.1, 0.1)
    grey = image.mean(axis=2, keepdims=True)
    image = grey + (image - grey) * rng.uniform(0.6, 1.3)
    if rng.random() < 0.3:  # a blur as soft as the print network's output can be
        shifted = np.roll(image, 1, 0) + np.roll(image, -1, 0) + np.roll(image, 1, 1) + np.roll(image, -1, 1)
        image = (image + shifted) / 5
    image = image + rng.normal(0, rng.uniform(0, 0.03), image.shape)
    return np.clip(image, 0, 1).astype(np.float32)


def patch_batch(
    rng: np.random.Generator, count: int, size: int = 64, mnist: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(images [count, 3, size, size] float32 in 0..1, labels [count] int64), classes drawn uniformly."""
    labels = rng.integers(len(CLASSES), size=count)
    images = np.stack([augment(make_patch(int(k), rng, size, mnist), rng) for k in labels])
    return np.ascontiguousarray(images.transpose(0, 3, 1, 2)), labels.astype(np.int64)
