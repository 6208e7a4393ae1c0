"""The design canvas's pixels, in numpy: round-brush strokes rasterised anti-aliased, the canvas averaged down
to the model's training size, and the garment at z rendered by the CPPN (the canvas's R starts from it).
Grey in [0, 1], light garment on black, as Fashion-MNIST and the encoder see it."""

from __future__ import annotations

import numpy as np


def stroke_coverage(
    coverage: np.ndarray, start: tuple[float, float], end: tuple[float, float], radius: float
) -> tuple[slice, slice] | None:
    """Raise `coverage` [H, W] (in place, by max) to a round brush of `radius` pixels swept from `start` to
    `end` (x right, y down, canvas pixels). A pixel's coverage is how far its centre lies inside the stroke's
    edge, 0..1 over one pixel: the edge is anti-aliased. Returns the rows and columns touched (None: none)."""
    height, width = coverage.shape
    (x0, y0), (x1, y1) = start, end
    reach = radius + 1.0
    top, bottom = max(0, int(np.floor(min(y0, y1) - reach))), min(height, int(np.ceil(max(y0, y1) + reach)) + 1)
    left, right = max(0, int(np.floor(min(x0, x1) - reach))), min(width, int(np.ceil(max(x0, x1) + reach)) + 1)
    if top >= bottom or left >= right:
        return None
    ys = np.arange(top, bottom, dtype=np.float64)[:, None] + 0.5
    xs = np.arange(left, right, dtype=np.float64)[None, :] + 0.5
    dx, dy = x1 - x0, y1 - y0
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else np.clip(((xs - x0) * dx + (ys - y0) * dy) / length2, 0.0, 1.0)
    distance = np.hypot(xs - (x0 + t * dx), ys - (y0 + t * dy))
    box = (slice(top, bottom), slice(left, right))
    np.maximum(coverage[box], np.clip(radius + 0.5 - distance, 0.0, 1.0).astype(coverage.dtype), out=coverage[box])
    return box


def downsample(pixels: np.ndarray, size: int) -> np.ndarray:
    """[H, W] -> [size, size], each output pixel the mean of its block (H and W multiples of size)."""
    height, width = pixels.shape
    if height % size or width % size:
        raise ValueError(f"a {width}x{height} canvas does not divide into {size}x{size}")
    return pixels.reshape(size, height // size, size, width // size).mean(axis=(1, 3))


def upsample(pixels: np.ndarray, size: int) -> np.ndarray:
    """[S, S] -> [size, size] by repeating each pixel (size a multiple of S): a picture shown on the canvas
    averages back down to exactly itself."""
    factor = size // pixels.shape[0]
    return np.kron(pixels, np.ones((factor, factor), dtype=pixels.dtype))


def render_garment(weights, z: np.ndarray, size: int, chunk: int = 1 << 14) -> np.ndarray:
    """The CPPN's garment at z, grey float32 [size, size] in [0, 1] (the mean of its channels), with the
    coordinates of model/cppn.py's coordinate_grid at zoom 1. `weights` is a render.weights.CppnWeights (its
    layer0_activation: sin on the sine units, tanh on the rest)."""
    centres = (np.arange(size, dtype=np.float32) + 0.5) * (2.0 / size) - 1.0
    y, x = np.meshgrid(centres, centres, indexing="ij")
    xs, ys = x.reshape(-1) * weights.coord_scale, y.reshape(-1) * weights.coord_scale
    coords = np.stack([xs, ys, np.sqrt(xs * xs + ys * ys)], axis=1).astype(np.float32)
    gains, biases = weights.frame_terms(z)
    hidden = [w.astype(np.float32) for w in weights.hidden_matrices(z)]
    coord_w, out_w, out_b = (a.astype(np.float32) for a in (weights.coord, weights.out_w, weights.out_b))
    out = np.empty(coords.shape[0], dtype=np.float32)
    for begin in range(0, coords.shape[0], chunk):
        h = weights.layer0_activation(gains[0] * (coords[begin : begin + chunk] @ coord_w.T) + biases[0])
        for layer, w in enumerate(hidden, start=1):
            h = np.tanh(gains[layer] * (h @ w.T) + biases[layer])
        out[begin : begin + chunk] = (1.0 / (1.0 + np.exp(-(h @ out_w.T + out_b)))).mean(axis=1)
    return out.reshape(size, size)
