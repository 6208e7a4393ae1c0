"""Tiling images into one picture (sample grids, timelapse frames, contact sheets)."""

from __future__ import annotations

import numpy as np
import torch


def to_uint8(images: torch.Tensor) -> np.ndarray:
    """[B, C, H, W] floats in [0, 1] -> [B, H, W, 3] uint8 (grey is repeated to RGB)."""
    images = images.detach().float().clamp(0, 1).cpu()
    if images.shape[1] == 1:
        images = images.repeat(1, 3, 1, 1)
    return (images.permute(0, 2, 3, 1).numpy() * 255.0 + 0.5).astype(np.uint8)


def tile(images: torch.Tensor, columns: int, gap: int = 2, gap_value: int = 40) -> np.ndarray:
    """[B, C, H, W] -> one uint8 [rows*(H+gap)-gap, columns*(W+gap)-gap, 3] image, row-major."""
    pictures = to_uint8(images)
    count, height, width, _ = pictures.shape
    rows = -(-count // columns)
    out = np.full((rows * (height + gap) - gap, columns * (width + gap) - gap, 3), gap_value, dtype=np.uint8)
    for index, picture in enumerate(pictures):
        row, col = divmod(index, columns)
        top, left = row * (height + gap), col * (width + gap)
        out[top : top + height, left : left + width] = picture
    return out
