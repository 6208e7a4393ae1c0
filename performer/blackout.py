"""Blackout (B): the panic button of every VJ tool. Fades the output (the `master` parameter) to black and,
pressed again, back to where it was, over FADE_SECONDS. Only while fading does it write `master`: a fader
or OSC message can take it over at any time."""

from __future__ import annotations

from performer.state import PerformanceState

FADE_SECONDS = 0.5  # from full to black; shorter fades take the same speed


class Blackout:
    def __init__(self, fade_seconds: float = FADE_SECONDS) -> None:
        self.fade_seconds = fade_seconds
        self.target: float | None = None  # where the fade is going; None when not fading
        self.restore = 1.0  # the level to come back to
        self.black = False

    def toggle(self, state: PerformanceState) -> None:
        if self.black:
            self.target, self.black = self.restore, False
        else:
            if self.target is None:  # not in a fade back: come back to this level (full, if it was black)
                self.restore = state.params["master"] or 1.0
            self.target, self.black = 0.0, True

    def update(self, state: PerformanceState, now: float, dt: float) -> None:
        if self.target is None:
            return
        level = state.params["master"]
        step = dt / self.fade_seconds if self.fade_seconds > 0 else 1.0
        level = min(self.target, level + step) if self.target > level else max(self.target, level - step)
        state.set("master", level)
        if level == self.target:
            self.target = None
