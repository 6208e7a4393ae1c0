"""Tempo: beats per minute from MIDI clock when it runs, else from an Ableton Link session (--link), else from
tap tempo, else from the config.

MIDI clock (24 pulses per quarter note) and tap tempo (one tap a beat) are measured the same way, by one
class (PulseTempo): the MIDI source feeds its TempoTracker on the port's thread, the T key the show's
TapTempo. Tempo reads the clock's bpm through a callable, so the walks do not depend on MIDI being present.
A beat clock (sources/ableton_link.py's LinkClock) also gives the beat itself, which beats walks follow, and
takes the tapped tempo, so a tap reaches every peer of the session.
"""

from __future__ import annotations

import logging
import math
from collections import deque
from collections.abc import Callable
from typing import Protocol

log = logging.getLogger(__name__)

BPM_RANGE = (20.0, 300.0)
DEFAULT_BPM = 120.0


def check_bpm(value: object) -> float:
    low, high = BPM_RANGE
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"bpm must be a number in {low:g}..{high:g}, got {value!r}")
    if not low <= float(value) <= high:
        raise ValueError(f"bpm must be in {low:g}..{high:g}, got {value:g}")
    return float(value)


def beats_to_seconds(beats: float, bpm: float) -> float:
    return beats * 60.0 / bpm


def seconds_to_beats(seconds: float, bpm: float) -> float:
    return seconds * bpm / 60.0


class PulseTempo:
    """BPM from the mean interval of the last pulses, `per_beat` of them a beat. A pause longer than `timeout`
    starts a new count; with `keep`, the last tempo stays until the new count has two pulses. Intervals outside
    `bpm_range` (a double press is not 600 BPM) are ignored. Pulses may come from another thread (MIDI clock):
    `bpm` reads a copy."""

    def __init__(
        self,
        per_beat: int = 1,
        window: int = 8,
        timeout: float = 2.0,
        bpm_range: tuple[float, float] | None = BPM_RANGE,
        keep: bool = True,
    ) -> None:
        self.per_beat = per_beat
        self.pulses: deque[float] = deque(maxlen=window)
        self.timeout = timeout
        self.bpm_range = bpm_range
        self.keep = keep
        self._kept: float | None = None

    def pulse(self, now: float) -> float | None:
        pulses = self.pulses
        if pulses and now - pulses[-1] > self.timeout:
            self._kept = self.bpm if self.keep else None
            pulses.clear()
        if pulses and self.bpm_range is not None:
            beat = (now - pulses[-1]) * self.per_beat
            if not 60.0 / self.bpm_range[1] <= beat <= 60.0 / self.bpm_range[0]:
                return self.bpm
        pulses.append(now)
        return self.bpm

    def reset(self) -> None:
        self.pulses.clear()
        self._kept = None

    @property
    def bpm(self) -> float | None:
        pulses = list(self.pulses)
        if len(pulses) < 2 or pulses[-1] <= pulses[0]:
            return self._kept
        return 60.0 * (len(pulses) - 1) / ((pulses[-1] - pulses[0]) * self.per_beat)


class TapTempo(PulseTempo):
    """Tap tempo: the mean interval of the last 8 taps; a pause over 2 s starts a new count."""

    def tap(self, now: float) -> float | None:
        bpm = self.pulse(now)
        if self.counted(now):
            log.debug("tap tempo: %.1f BPM", bpm)  # debug: audio beats tap twice a second
        return bpm

    def counted(self, now: float) -> bool:
        """Whether the tap at `now` made a tempo (not a double press, not the first tap of a count)."""
        return len(self.pulses) >= 2 and self.pulses[-1] == now


class TempoTracker(PulseTempo):
    """MIDI clock (24 pulses per quarter note), averaged over the last beat. A gap longer than `timeout` (the
    clock stopped) starts over, with no tempo until it runs again; every pulse counts (no range: USB jitter
    bunches them)."""

    PPQN = 24

    def __init__(self, window: int = 24, timeout: float = 0.5) -> None:
        super().__init__(self.PPQN, window + 1, timeout, bpm_range=None, keep=False)

    tick = PulseTempo.pulse


class BeatClock(Protocol):
    """A shared beat timeline (an Ableton Link session): its tempo and this peer's beat now, None when it has
    none; the phase of `beat()` against `quantum` is the session's."""

    quantum: float

    @property
    def bpm(self) -> float | None: ...

    def beat(self) -> float | None: ...

    def set_tempo(self, bpm: float) -> None: ...


def in_bpm_range(bpm: float | None) -> float | None:
    return bpm if bpm is not None and BPM_RANGE[0] <= bpm <= BPM_RANGE[1] else None


class Tempo:
    """The walk's tempo. `clock` returns the MIDI clock BPM or None (e.g. `lambda: hub.tempo`); `beat_clock`
    (a Link session) sets the tempo and the beat while no MIDI clock runs, and hears the taps."""

    def __init__(
        self,
        bpm: float = DEFAULT_BPM,
        clock: Callable[[], float | None] | None = None,
        beat_clock: BeatClock | None = None,
    ) -> None:
        self.config_bpm = check_bpm(bpm)
        self.clock = clock
        self.beat_clock = beat_clock
        self.tapper = TapTempo()

    def tap(self, now: float) -> float | None:
        bpm = self.tapper.tap(now)
        if self.beat_clock is not None and bpm is not None and self.tapper.counted(now):
            self.beat_clock.set_tempo(bpm)  # the session follows the tap, so every peer does
        return bpm

    @property
    def source(self) -> str:
        if self._clock_bpm() is not None:
            return "midi clock"
        if self._beat_clock_bpm() is not None:
            return "link"
        return "tap" if self.tapper.bpm is not None else "config"

    def _clock_bpm(self) -> float | None:
        return in_bpm_range(self.clock() if self.clock is not None else None)

    def _beat_clock_bpm(self) -> float | None:
        return in_bpm_range(self.beat_clock.bpm if self.beat_clock is not None else None)

    @property
    def quantum(self) -> float:
        return getattr(self.beat_clock, "quantum", 4.0)

    def beat(self) -> float | None:
        """The beat clock's beat now while it sets the tempo, else None (beats walks then count their own
        beats from seconds at `bpm`)."""
        if self._clock_bpm() is not None or self._beat_clock_bpm() is None:
            return None
        return self.beat_clock.beat()

    @property
    def bpm(self) -> float:
        for bpm in (self._clock_bpm(), self._beat_clock_bpm(), self.tapper.bpm):
            if bpm is not None:
                return bpm
        return self.config_bpm
