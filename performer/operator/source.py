"""The operator window as a Source (performer/sources/base.py): what its widgets change leaves as events on
the canonical OSC addresses of performer/targets.py, so the hub's dispatch, learn, feedback and the recorder
see a slider drag exactly as they see the same move from TouchOSC. Widgets call `set_value` and `trigger`
during the window's frame; the hub takes the events at the start of the next one."""

from __future__ import annotations

import math
from collections import Counter, deque

from performer.controls.events import ControlEvent
from performer.targets import PREFIX

MAX_PENDING = 1024  # events kept between frames: a frame of widgets makes a handful


class OperatorSource:
    name = "operator"

    def __init__(self) -> None:
        self.stats: Counter = Counter()
        self._pending: deque[ControlEvent] = deque(maxlen=MAX_PENDING)
        self._last = ""

    def set_value(self, target: str, value: float) -> None:
        """`target`: "z3" (latent 3) or a parameter name, e.g. "zoom"."""
        if not math.isfinite(value):
            self.stats["dropped"] += 1
            return
        if target.startswith("z") and target[1:].isdigit():
            address = f"{PREFIX}/z/{target[1:]}"
        else:
            address = f"{PREFIX}/param/{target}"
        self._push(ControlEvent("osc", address, float(value), None, "operator", 0.0, (float(value),), "operator"))

    def trigger(self, osc: str, *args) -> None:
        """An action by its canonical address below /performer, e.g. "walk/toggle", or "preset" with a name."""
        value = float(args[0]) if args and isinstance(args[0], (int, float)) else None
        self._push(ControlEvent("osc", f"{PREFIX}/{osc}", value, None, "operator", 0.0, tuple(args), "operator"))

    def set_latents(self, z) -> None:
        """Every latent at once (a map click, a landmark tile): one event on /performer/z."""
        values = tuple(float(v) for v in z)
        if not all(math.isfinite(v) for v in values):
            self.stats["dropped"] += 1
            return
        self._push(ControlEvent("osc", f"{PREFIX}/z", values[0], None, "operator", 0.0, values, "operator"))

    def _push(self, event: ControlEvent) -> None:
        self.stats["events"] += 1
        self._last = event.label()
        self._pending.append(event)

    # ---- the Source protocol -----------------------------------------------------------------------------
    def events(self, now: float) -> list[ControlEvent]:
        pending, self._pending = self._pending, deque(maxlen=MAX_PENDING)
        return list(pending)

    def status_line(self) -> str | None:
        return f"operator: {self._last}" if self._last else None

    def error_lines(self) -> list[str]:
        return []

    def close(self) -> None:
        pass
