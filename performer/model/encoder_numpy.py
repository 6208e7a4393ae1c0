"""The VAE's encoder (model/cppn.py's Encoder) in numpy: what the design canvas needs to put a drawing into
the space without torch in the live process. The same layers, in float64: three strided convolutions with
LeakyReLU(0.2), an adaptive average pool to 4x4 and the linear head to (mean, logvar).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from performer.model.arrays import ModelArrays, ModelFileError, read_model_arrays
from performer.model.config import ModelConfig

# (index in the torch module's `features`, stride, padding) of each convolution, as model/cppn.py builds them
CONVOLUTIONS = ((0, 2, 1), (2, 2, 1), (4, 2, 1))
POOLED = 4  # AdaptiveAvgPool2d(4)
LEAK = 0.2
LOGVAR_LIMITS = (-12.0, 6.0)  # Encoder.forward's clamp


def convolve(images: np.ndarray, weight: np.ndarray, bias: np.ndarray, stride: int, padding: int) -> np.ndarray:
    """torch's Conv2d: images [B, C, H, W], weight [O, C, K, K] -> [B, O, H', W']."""
    kernel = weight.shape[-1]
    padded = np.pad(images, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    windows = np.lib.stride_tricks.sliding_window_view(padded, (kernel, kernel), axis=(2, 3))
    windows = windows[:, :, ::stride, ::stride]  # [B, C, H', W', K, K]
    return np.einsum("bchwij,ocij->bohw", windows, weight, optimize=True) + bias[None, :, None, None]


def adaptive_average(images: np.ndarray, size: int) -> np.ndarray:
    """torch's AdaptiveAvgPool2d(size): bin i spans floor(i*n/size) .. ceil((i+1)*n/size)."""
    height, width = images.shape[2:]
    if (height, width) == (size, size):
        return images
    rows = [(i * height // size, -(-(i + 1) * height // size)) for i in range(size)]
    cols = [(j * width // size, -(-(j + 1) * width // size)) for j in range(size)]
    out = np.empty(images.shape[:2] + (size, size), dtype=images.dtype)
    for i, (top, bottom) in enumerate(rows):
        for j, (left, right) in enumerate(cols):
            out[:, :, i, j] = images[:, :, top:bottom, left:right].mean(axis=(2, 3))
    return out


class NumpyEncoder:
    """encode(pixels) -> (mean, logvar) of q(z|x), as the torch Encoder of the same file gives them."""

    def __init__(self, config: ModelConfig, tensors: dict[str, np.ndarray]) -> None:
        self.config = config
        self.layers = [
            (tensors[f"features.{index}.weight"], tensors[f"features.{index}.bias"], stride, padding)
            for index, stride, padding in CONVOLUTIONS
        ]
        self.head_w, self.head_b = tensors["head.weight"], tensors["head.bias"]

    @classmethod
    def from_arrays(cls, arrays: ModelArrays, source: str = "the model file") -> NumpyEncoder:
        if arrays.encoder is None:
            raise ModelFileError(f"{source}: has no encoder tensors (a drawing cannot be encoded)")
        return cls(arrays.config, arrays.encoder)

    @classmethod
    def from_file(cls, path: str | Path) -> NumpyEncoder:
        """ModelFileError for a file that cannot be used (named, with the reason). No torch."""
        return cls.from_arrays(read_model_arrays(path), str(path))

    def encode(self, pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """pixels [C, S, S] or [B, C, S, S] in [0, 1] -> (mean, logvar), each [latent_dim] or [B, latent_dim]."""
        images = np.asarray(pixels, dtype=np.float64)
        single = images.ndim == 3
        if single:
            images = images[None]
        if images.ndim != 4 or images.shape[1] != self.config.channels:
            raise ValueError(f"expected pixels [B, {self.config.channels}, S, S], got shape {np.shape(pixels)}")
        h = images
        for weight, bias, stride, padding in self.layers:
            h = convolve(h, weight, bias, stride, padding)
            h = np.where(h > 0, h, LEAK * h)
        h = adaptive_average(h, POOLED).reshape(h.shape[0], -1)  # [B, 4w*16], torch's Flatten order
        out = h @ self.head_w.T + self.head_b
        dim = self.config.latent_dim
        mean, logvar = out[:, :dim], np.clip(out[:, dim:], *LOGVAR_LIMITS)
        return (mean[0], logvar[0]) if single else (mean, logvar)
