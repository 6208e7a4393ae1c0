"""Tempo: beats per minute from MIDI clock when it runs, else from tap tempo, else from the config.

MIDI clock (24 pulses per quarter note) is measured by performer.controls.midi_input.TempoTracker (the
MIDI input feeds it on the port's thread); this module only reads its bpm, through a callable, so the
walks do not depend on MIDI being present.
"""

from __future__ import annotations

import logging
import math
from collections import deque
from collections.abc import Callable

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


class TapTempo:
    """BPM from the mean interval of the last taps. A pause longer than `timeout` starts a new count;
    intervals outside BPM_RANGE are ignored (a double press is not 600 BPM)."""

    def __init__(self, window: int = 8, timeout: float = 2.0) -> None:
        self.taps: deque[float] = deque(maxlen=window)
        self.timeout = timeout
        self.bpm: float | None = None

    def tap(self, now: float) -> float | None:
        if self.taps and now - self.taps[-1] > self.timeout:
            self.taps.clear()
        if self.taps:
            interval = now - self.taps[-1]
            if not 60.0 / BPM_RANGE[1] <= interval <= 60.0 / BPM_RANGE[0]:
                return self.bpm
        self.taps.append(now)
        if len(self.taps) >= 2:
            self.bpm = 60.0 * (len(self.taps) - 1) / (self.taps[-1] - self.taps[0])
            log.info("tap tempo: %.1f BPM", self.bpm)
        return self.bpm


class Tempo:
    """The walk's tempo. `clock` returns the MIDI clock BPM or None (e.g. `lambda: hub.tempo`)."""

    def __init__(self, bpm: float = DEFAULT_BPM, clock: Callable[[], float | None] | None = None) -> None:
        self.config_bpm = check_bpm(bpm)
        self.clock = clock
        self.tapper = TapTempo()

    def tap(self, now: float) -> float | None:
        return self.tapper.tap(now)

    @property
    def source(self) -> str:
        if self._clock_bpm() is not None:
            return "midi clock"
        return "tap" if self.tapper.bpm is not None else "config"

    def _clock_bpm(self) -> float | None:
        bpm = self.clock() if self.clock is not None else None
        return bpm if bpm is not None and BPM_RANGE[0] <= bpm <= BPM_RANGE[1] else None

    @property
    def bpm(self) -> float:
        clock = self._clock_bpm()
        if clock is not None:
            return clock
        return self.tapper.bpm if self.tapper.bpm is not None else self.config_bpm
