"""The keyboard source: the window's key callback (`on_key`) in one place. A press of a built-in key
(performer/keys.py, from the table of actions) fires its action at once, 1-8 move the latents smoothly while
held (the Fashion Space Explorer's keys), and every key goes on as a "key" event to the control hub, where
mappings (e.g. mappings/keyboard.yaml) bind further keys."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable

import numpy as np

from performer.controls.events import ControlEvent
from performer.keys import LATENT_KEYS, key_action
from performer.sources.base import SourceSetup
from performer.state import PerformanceState

MAX_PENDING_KEYS = 256  # key events kept for the hub between frames (nobody types faster)


class KeyboardInput:
    """The built-in keys (performer/keys.py), and the Fashion Space Explorer's latent keys: hold 1-8 to raise
    latent 1-8, Shift+1-8 to lower it, smoothly; an app input (`update`) and a Source (`events`).

    Holding a key accelerates the latent towards SPEED units/s with time constant SMOOTHING, and
    releasing lets it glide to a stop, so a tap nudges and a hold sweeps.
    """

    SPEED = 1.5  # latent units per second at full speed (the prior's std is 1)
    SMOOTHING = 0.12  # seconds
    name = "keyboard"

    def __init__(self, trigger: Callable[[str], None], latent_dim: int = 8) -> None:
        self.trigger = trigger
        self.held: set[int] = set()
        self.shift = False
        self.velocity = np.zeros(latent_dim)
        self.stats: dict[str, int] = {}
        self._pending: deque[tuple[str, bool]] = deque(maxlen=MAX_PENDING_KEYS)

    def on_key(self, key: str, pressed: bool, shift: bool) -> None:
        self.shift = shift if key != "shift" else pressed
        self._pending.append((key, pressed))
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

    # ---- the Source protocol -----------------------------------------------------------------------------
    def events(self, now: float) -> list[ControlEvent]:
        """The keys pressed and released since the last frame, for the mappings."""
        pending, self._pending = self._pending, deque(maxlen=MAX_PENDING_KEYS)
        return [ControlEvent("key", key, 1.0 if pressed else 0.0, None, "keyboard", now) for key, pressed in pending]

    def status_line(self) -> str | None:
        return None

    def error_lines(self) -> list[str]:
        return []

    def close(self) -> None:
        pass


def open_keyboard(setup: SourceSetup) -> KeyboardInput | None:
    """The app's keyboard, when there is a window (or a headless surface) to deliver keys."""
    return setup.options.keyboard
