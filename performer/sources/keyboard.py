"""The keyboard as an app input: the built-in keys of performer/keys.py fire their actions, and 1-8 move
the latents smoothly while held (the Fashion Space Explorer's keys)."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from performer.keys import LATENT_KEYS, key_action
from performer.state import PerformanceState


class KeyboardInput:
    """The built-in keys (performer/keys.py), and the Fashion Space Explorer's latent keys: hold 1-8 to raise
    latent 1-8, Shift+1-8 to lower it, smoothly.

    Holding a key accelerates the latent towards SPEED units/s with time constant SMOOTHING, and
    releasing lets it glide to a stop, so a tap nudges and a hold sweeps.
    """

    SPEED = 1.5  # latent units per second at full speed (the prior's std is 1)
    SMOOTHING = 0.12  # seconds

    def __init__(self, trigger: Callable[[str], None], latent_dim: int = 8) -> None:
        self.trigger = trigger
        self.held: set[int] = set()
        self.shift = False
        self.velocity = np.zeros(latent_dim)

    def on_key(self, key: str, pressed: bool, shift: bool) -> None:
        self.shift = shift if key != "shift" else pressed
        if key in LATENT_KEYS[: len(self.velocity)]:
            (self.held.add if pressed else self.held.discard)(int(key) - 1)
        elif pressed and (action := key_action(key, self.shift)) is not None:
            self.trigger(action)

    def update(self, state: PerformanceState, now: float, dt: float) -> None:
        target = np.zeros_like(self.velocity)
        for index in self.held:
            target[index] = -self.SPEED if self.shift else self.SPEED
        self.velocity += (target - self.velocity) * (1.0 - math.exp(-dt / self.SMOOTHING))
        self.velocity[np.abs(self.velocity) < 1e-4] = 0.0
        for index in np.flatnonzero(self.velocity):
            state.set_latent(int(index), float(state.z[index]) + self.velocity[index] * dt)
