"""Render scale: the CPPN drawn at a fraction of the output's size and upscaled (render/upscale.py), and the
controller that picks the fraction under `--render-scale auto` to hold the frame budget.

The controller is pure (fed render times, no GL, no clock of its own), so it is tested with made-up times.
Its model: a render costs a fixed part plus a part in proportion to the pixels drawn, scale squared; it
measures the fixed part as it goes (the same load seen at two scales), so a step is predicted before it is
taken. It never oscillates:
- it decides only on the median of what it has seen at the current scale, over at least SETTLE_S and
  MIN_SAMPLES renders (one slow frame moves nothing);
- down as soon as that median is over HIGH of the budget, straight to the largest scale predicted to fit
  under TARGET; up one step at a time, only when the step is predicted to stay under LOW (LOW < HIGH:
  the gap is the hysteresis);
- a step up that had to be taken back bars that scale for a hold-off that doubles each time (to
  MAX_HOLD_S), so a load that sits just at a step's edge cannot make it bounce.
"""

from __future__ import annotations

import argparse
import math
import statistics

MIN_SCALE, MAX_SCALE = 0.25, 1.0
# 11 steps from 0.25 to 1, each 1.149x the last (1.32x the pixels): small enough that an upward step
# rarely overshoots, few enough that a heavy load is reached in one decision.
LEVELS = tuple(round(MIN_SCALE * (MAX_SCALE / MIN_SCALE) ** (i / 10), 4) for i in range(11))
HIGH, TARGET, LOW = 0.85, 0.75, 0.7  # shares of the frame budget the render may take
SETTLE_S = 0.5
MIN_SAMPLES = 8
HOLD_S, MAX_HOLD_S = 4.0, 64.0
WINDOW = 64  # renders kept at the current scale (the median is over these)


def parse_render_scale(text: str) -> float | str:
    """'auto' or a number in 0.25..1 (play's --render-scale)."""
    if text.strip().lower() == "auto":
        return "auto"
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not MIN_SCALE <= value <= MAX_SCALE:
        raise argparse.ArgumentTypeError(f"render scale must be auto or a number in 0.25..1, got {text!r}")
    return value


def scaled_size(size: tuple[int, int], scale: float) -> tuple[int, int]:
    """The size the CPPN renders at for an output of `size` (at least 1x1)."""
    return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))


class AutoScale:
    """Picks the render scale from render times so that a render fits in the frame budget."""

    def __init__(self, budget_s: float, start: float = MAX_SCALE, levels: tuple[float, ...] = LEVELS) -> None:
        if not (math.isfinite(budget_s) and budget_s > 0):
            raise ValueError(f"frame budget must be a positive number of seconds, got {budget_s}")
        self.budget_s, self.levels = budget_s, tuple(sorted(levels))
        self.index = min(range(len(self.levels)), key=lambda i: abs(self.levels[i] - start))
        self.samples: list[float] = []
        self.since: float | None = None  # when the current scale started (the first render seen at it)
        self.fixed_s = 0.0  # the part of a render that does not shrink with the scale (measured)
        self.last: tuple[float, float] | None = None  # (scale, median) before the latest change
        self.barred: dict[int, float] = {}  # level index -> until when stepping up to it is barred
        self.hold_s: dict[int, float] = {}  # level index -> its next hold-off
        self.raised_from: int | None = None  # the level the latest step up left
        self.changes = 0

    @property
    def scale(self) -> float:
        return self.levels[self.index]

    def predict(self, median: float, scale: float) -> float:
        """A render's time at `scale`, from the median at the current scale."""
        variable = max(median - self.fixed_s, 0.0)
        return self.fixed_s + variable * (scale / self.scale) ** 2

    def observe(self, now: float, render_s: float) -> float:
        """One render took `render_s` seconds, finishing at `now`; returns the scale for the next render."""
        if not (math.isfinite(render_s) and render_s >= 0):
            return self.scale
        if self.since is None:
            self.since = now
        self.samples = (self.samples + [render_s])[-WINDOW:]
        if len(self.samples) < MIN_SAMPLES or now - self.since < SETTLE_S:
            return self.scale
        median = statistics.median(self.samples)
        if median > HIGH * self.budget_s and self.index > 0:
            fits = [i for i in range(self.index) if self.predict(median, self.levels[i]) <= TARGET * self.budget_s]
            failed_raise = self._bar_failed_raise(now)
            # back where it held when only the step up failed; further if the load grew too
            self._move(max(max(fits) if fits else 0, self.index - 1 if failed_raise else 0), median)
        elif self.index + 1 < len(self.levels) and now >= self.barred.get(self.index + 1, -math.inf):
            if self.predict(median, self.levels[self.index + 1]) <= LOW * self.budget_s:
                self.raised_from = self.index
                self._move(self.index + 1, median)
        return self.scale

    def _bar_failed_raise(self, now: float) -> bool:
        """Going down from the level the latest step up reached: that step failed, bar it for a while."""
        failed = self.raised_from is not None and self.raised_from + 1 == self.index
        if failed:
            hold = self.hold_s.get(self.index, HOLD_S)
            self.barred[self.index] = now + hold
            self.hold_s[self.index] = min(hold * 2, MAX_HOLD_S)
        self.raised_from = None
        return failed

    def _move(self, index: int, median: float) -> None:
        if self.last is not None:
            self._learn_fixed(*self.last, self.scale, median)
        self.last = (self.scale, median)
        self.index = index
        self.samples, self.since = [], None
        self.changes += 1

    def _learn_fixed(self, scale_a: float, time_a: float, scale_b: float, time_b: float) -> None:
        """Two medians at two scales give the fixed part: t = fixed + k * s^2 through both points."""
        if abs(scale_a - scale_b) < 1e-6:
            return
        k = (time_a - time_b) / (scale_a**2 - scale_b**2)
        if k > 0:
            self.fixed_s = min(max(time_a - k * scale_a**2, 0.0), min(time_a, time_b))


def status_line(scale: float, auto: bool) -> str:
    """The HUD's line for the render scale (only shown when the CPPN renders below the output's size)."""
    return f"render scale {scale:.2f}" + (" (auto)" if auto else "")


def display_refresh(surface) -> float | None:
    """The refresh rate of the monitor a GLFW window is on (None headless, or when GLFW does not say)."""
    glfw, monitor = getattr(surface, "glfw", None), getattr(surface, "monitor", None)
    if glfw is None or monitor is None:
        return None
    try:
        rate = float(glfw.get_video_mode(monitor).refresh_rate)
    except Exception:  # a monitor unplugged, a GLFW without a video mode: --fps alone sets the budget
        return None
    return rate if rate > 0 else None


def use_render_scale(app, renderer, choice: float | str, fps: float | None) -> None:
    """Play's --render-scale on a session: a fixed scale, or `auto` holding the frame budget (1/--fps, or the
    display's refresh when that is slower); the HUD's status lines say the scale whenever it is below 1
    (the operator UI reads renderer.render_scale)."""
    if choice == "auto":
        rates = [rate for rate in (fps, display_refresh(app.surface)) if rate]
        renderer.scale_control = AutoScale(1.0 / min(rates or [60.0]))
        renderer.render_scale = renderer.scale_control.scale
    else:
        renderer.render_scale = float(choice)
    auto = renderer.scale_control is not None
    app.status_sources.append(
        lambda: [status_line(renderer.render_scale, auto)] if auto or renderer.render_scale < 1 else []
    )
