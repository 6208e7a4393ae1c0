"""Frames of the shipped model's garments for the alpha tests: a state per garment and its RGBA read back."""

from __future__ import annotations

import numpy as np

from performer.state import PerformanceState

SIZE = (96, 64)  # multiples of 4 (HAP)
TRANSPARENT = 1  # the background parameter's transparent mode


def garment_state(weights, index: int = 3, **params) -> PerformanceState:
    state = PerformanceState(latent_dim=weights.latent_dim)
    state.set_z(weights.garments[index])
    for name, value in params.items():
        state.set(name, value)
    return state


def rgba(renderer, state, size=SIZE) -> np.ndarray:
    """uint8 [height, width, 4], row 0 at the top."""
    target = renderer.render(state, size)
    raw = target.framebuffer.read(components=4, alignment=1)
    return np.frombuffer(raw, np.uint8).reshape(size[1], size[0], 4)[::-1].copy()


def moving_frames(weights, renderer, count: int) -> list[np.ndarray]:
    """RGBA frames of a different garment each, turning and zooming, row 0 at the top."""
    frames = []
    for i in range(count):
        state = garment_state(weights, 5 + i, background=TRANSPARENT, rotation=12.0 * i, zoom=1.0 + 0.1 * i)
        frames.append(rgba(renderer, state))
    return frames
