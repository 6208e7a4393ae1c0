"""Does a learned print read as its style? Three numbers per print, on garments it stylised:

  style distance   the style loss itself: mean squared difference of the loss network's Gram matrices
                   between the stylised garment (its central crop) and the style image, per stage, summed;
                   reported beside the same distance for the unprinted garment, which sets the scale
  colour distance  Hellinger distance between 8x8x8 colour histograms of the crop and the style image
                   (0 = the same colours in the same shares, 1 = no colour in common)
  round dots       for a print whose style has dots: the share of ink blobs lying wholly inside the garment
                   whose circularity 4*pi*area/perimeter^2 is at least 0.8 (a disc is 1, a square 0.785)

Circularity needs a perimeter that is not biased by the pixel grid: it is the length of the marching-
squares contour of the ink map at its mid level, with sub-pixel crossings (a digital disc of radius 8
measures within 2% of 2*pi*8). Blobs are 4-connected components found by label propagation (numpy only).
"""

from __future__ import annotations

import numpy as np

ROUND = 0.8
MIN_BLOB_PIXELS = 12  # smaller specks are noise, not dots


def ink_map(image: np.ndarray, ink: tuple, ground: tuple) -> np.ndarray:
    """[H, W, 3] in 0..1 -> [H, W] in 0..1: each pixel's place on the line from the ground colour to the ink."""
    ink_v, ground_v = np.asarray(ink, np.float64), np.asarray(ground, np.float64)
    axis = ink_v - ground_v
    t = ((image.astype(np.float64) - ground_v) @ axis) / float(axis @ axis)
    return np.clip(t, 0.0, 1.0)


def label_components(mask: np.ndarray) -> np.ndarray:
    """4-connected components of a boolean mask: int labels, 0 outside, 1.. inside (not consecutive)."""
    height, width = mask.shape
    labels = np.where(mask, np.arange(1, mask.size + 1).reshape(mask.shape), 0)
    big = mask.size + 1
    while True:  # every pixel takes the smallest label among itself and its neighbours, until stable
        padded = np.pad(np.where(mask, labels, big), 1, constant_values=big)
        smallest = np.minimum.reduce(
            [padded[1:-1, 1:-1], padded[:-2, 1:-1], padded[2:, 1:-1], padded[1:-1, :-2], padded[1:-1, 2:]]
        )
        updated = np.where(mask, smallest, 0)
        if np.array_equal(updated, labels):
            return labels
        labels = updated


def contour_lengths(level: np.ndarray, labels: np.ndarray, threshold: float = 0.5) -> dict[int, float]:
    """Marching-squares contour length of `level` at `threshold`, summed per label (a cell belongs to the
    largest label among its four corners)."""
    a, b = level[:-1, :-1], level[:-1, 1:]  # top-left, top-right
    c, d = level[1:, :-1], level[1:, 1:]  # bottom-left, bottom-right

    def crossing(p, q):
        """Where the edge from p to q crosses the threshold, 0..1 along it (NaN if it does not)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            t = (threshold - p) / (q - p)
        return np.where((p >= threshold) != (q >= threshold), t, np.nan)

    # crossing points in cell coordinates (x right, y down), one per edge
    top = np.stack([crossing(a, b), np.zeros_like(a)], -1)
    bottom = np.stack([crossing(c, d), np.ones_like(a)], -1)
    left = np.stack([np.zeros_like(a), crossing(a, c)], -1)
    right = np.stack([np.ones_like(a), crossing(b, d)], -1)
    points = np.stack([top, right, bottom, left], axis=2)  # [H-1, W-1, 4 edges, 2]
    valid = ~np.isnan(points).any(-1)
    count = valid.sum(-1)
    length = np.zeros(a.shape)
    two = count == 2
    if two.any():
        pts = points[two][valid[two]].reshape(-1, 2, 2)
        length[two] = np.linalg.norm(pts[:, 0] - pts[:, 1], axis=1)
    four = count == 4  # a saddle: two segments, pairing each crossing with its neighbour edge
    if four.any():
        p = points[four]
        length[four] = np.linalg.norm(p[:, 0] - p[:, 1], axis=1) + np.linalg.norm(p[:, 2] - p[:, 3], axis=1)
    owner = np.maximum.reduce([labels[:-1, :-1], labels[:-1, 1:], labels[1:, :-1], labels[1:, 1:]])
    totals = np.bincount(owner.ravel(), weights=length.ravel())
    return {int(label): float(totals[label]) for label in np.unique(owner) if label}


def blob_circularities(level: np.ndarray, inside: np.ndarray | None = None) -> np.ndarray:
    """Circularity of every ink blob of `level` (0..1, ink above 0.5) of at least MIN_BLOB_PIXELS pixels
    that lies wholly inside `inside` (default: not touching the image border)."""
    mask = level >= 0.5
    labels = label_components(mask)
    allowed = np.ones_like(mask) if inside is None else inside.astype(bool)
    allowed = allowed.copy()
    allowed[0, :] = allowed[-1, :] = allowed[:, 0] = allowed[:, -1] = False
    outside_labels = set(np.unique(labels[mask & ~allowed]).tolist())
    perimeters = contour_lengths(level, labels)
    areas = np.bincount(labels.ravel())
    values = []
    for label, perimeter in perimeters.items():
        if label in outside_labels or areas[label] < MIN_BLOB_PIXELS or perimeter <= 0:
            continue
        # area: pixels at or above the mid level, what the contour encloses to within its sub-pixel ramp
        values.append(4.0 * np.pi * areas[label] / perimeter**2)
    return np.asarray(values)


def gram_matrices(features: list) -> list[np.ndarray]:
    out = []
    for f in features:
        b, c, h, w = f.shape
        flat = f.reshape(b, c, h * w)
        out.append((flat @ flat.transpose(0, 2, 1) / (c * h * w))[0])
    return out


def style_distance(grams_a: list[np.ndarray], grams_b: list[np.ndarray]) -> float:
    return float(sum(((ga - gb) ** 2).mean() for ga, gb in zip(grams_a, grams_b, strict=True)))


def colour_distance(image: np.ndarray, style: np.ndarray, bins: int = 8) -> float:
    """Hellinger distance of the two images' colour histograms ([H, W, 3] in 0..1 each)."""

    def histogram(pixels: np.ndarray) -> np.ndarray:
        index = np.clip((pixels.reshape(-1, 3) * bins).astype(int), 0, bins - 1)
        flat = index[:, 0] * bins * bins + index[:, 1] * bins + index[:, 2]
        counts = np.bincount(flat, minlength=bins**3).astype(np.float64)
        return counts / counts.sum()

    p, q = histogram(image), histogram(style)
    return float(np.sqrt(max(0.0, 1.0 - np.sqrt(p * q).sum())))
