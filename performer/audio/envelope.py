"""Attack/release envelopes: a one-pole follower that rises with the attack time constant and falls with the
release one, so a kick can snap a latent out (attack 0) and let it fall back slowly (release 0.3 s). Time
comes from the events (their `time`), so an offline render's envelopes are the same on every run."""

from __future__ import annotations

import math


class Envelope:
    __slots__ = ("attack", "release", "value", "time")

    def __init__(self, attack: float = 0.0, release: float = 0.0) -> None:
        if not (attack >= 0.0 and release >= 0.0 and math.isfinite(attack) and math.isfinite(release)):
            raise ValueError(f"attack and release must be >= 0 seconds, got {attack}, {release}")
        self.attack, self.release = attack, release
        self.value: float | None = None  # None: the first input is taken as it is
        self.time = 0.0

    def follow(self, x: float, now: float) -> float:
        """The envelope after input `x` at time `now` (seconds, from the event)."""
        if self.value is None:
            self.value, self.time = x, now
            return x
        dt = max(now - self.time, 0.0)
        self.time = now
        tau = self.attack if x > self.value else self.release
        self.value += (x - self.value) * (1.0 - math.exp(-dt / tau) if tau > 0.0 else 1.0)
        return self.value
