"""The write sink: where the dispatch and the bindings put what controls do. Two verbs, set a value target and
fire an action by name, and nothing else of the hub, so bindings and routes never call back into it.

The sink remembers, per frame, which family (osc, midi, joystick, key) wrote each target, so feedback is
never echoed to the controller that made the change. Counters go to the hub's `stats`.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable

import numpy as np

from performer.state import PerformanceState
from performer.targets import Target

log = logging.getLogger(__name__)


class WriteSink:
    def __init__(self, actions: dict[str, Callable], stats: Counter) -> None:
        self.actions = actions  # the app's dict of callables, by the names of performer/targets.py
        self.stats = stats
        self.state: PerformanceState | None = None
        self.origin: dict[str, str] = {}  # target name -> the family that wrote it this frame
        self._missing: set[str] = set()

    def begin(self, state: PerformanceState) -> WriteSink:
        """Write to `state` from now on; a new frame's origins."""
        self.state = state
        self.origin.clear()
        return self

    def read(self, target: Target) -> float:
        if target.kind == "latent":
            return float(self.state.z[target.index])
        return float(self.state.params[target.name])

    def write(self, target: Target, value: float, family: str) -> float:
        """Set a latent or a parameter (the state clamps it); returns the value as stored."""
        if target.kind == "latent":
            stored = float(np.float32(self.state.set_latent(target.index, value)))
        else:
            stored = self.state.set(target.name, value)
        self.origin[target.name] = family
        self.stats["writes"] += 1
        return stored

    def fire(self, name: str, *args) -> None:
        """Call the app's action `name`; a missing or failing action is logged once and counted."""
        function = self.actions.get(name)
        if function is None:
            self.stats["actions_missing"] += 1
            if name not in self._missing:
                self._missing.add(name)
                log.warning("no action %r in this app (known: %s)", name, ", ".join(sorted(self.actions)))
            return
        self.stats["actions"] += 1
        try:
            function(*args)
        except Exception:
            self.stats["action_errors"] += 1
            log.exception("action %s failed", name)
