"""What the controllers sent lately, for the HUD: the first thing to look at when a TouchDesigner patch or a
fader board "does nothing". Per source: messages per second, the last control seen, and how many were dropped
(malformed, unknown, denied). Counts come from the hub's stats; this only keeps the rates and last labels."""

from __future__ import annotations

from dataclasses import dataclass

# Which stats count as dropped, per source (the names of ControlHub.all_stats()).
DROPPED_STATS = {
    "osc": ("osc_malformed", "osc_unknown_address", "osc_bad_args", "osc_bad_pattern", "osc_denied", "osc_overflow"),
    "midi": ("midi_sysex_dropped", "midi_overflow", "midi_malformed"),
}


@dataclass
class SourceActivity:
    count: int = 0  # messages noted since the window started
    rate: float = 0.0  # messages per second over the last full window
    last: str = ""
    seen: bool = False


class Activity:
    def __init__(self, window: float = 1.0) -> None:
        self.window = window
        self.sources: dict[str, SourceActivity] = {}
        self._window_start: float | None = None

    def note(self, source: str, label: str) -> None:
        entry = self.sources.setdefault(source, SourceActivity())
        entry.count += 1
        entry.last, entry.seen = label, True

    def tick(self, now: float) -> None:
        """Once per frame: close the window when it is over (rates are per full window, never partial)."""
        if self._window_start is None:
            self._window_start = now
            return
        elapsed = now - self._window_start
        if elapsed >= self.window:
            for entry in self.sources.values():
                entry.rate, entry.count = entry.count / elapsed, 0
            self._window_start = now

    def line(self, source: str, where: str, stats: dict[str, int]) -> str:
        """'OSC 127.0.0.1:9000 120/s last /1/fader1 from 127.0.0.1, 3 dropped' (or 'waiting')."""
        entry = self.sources.get(source, SourceActivity())
        dropped = sum(stats.get(name, 0) for name in DROPPED_STATS.get(source, ()))
        text = f"{source.upper()} {where}".rstrip()
        text += f" {entry.rate:.0f}/s last {entry.last}" if entry.seen else " waiting"
        return text + (f", {dropped} dropped" if dropped else "")
