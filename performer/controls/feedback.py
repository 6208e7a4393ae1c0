"""Feedback wiring: which values changed in a frame and who changed them, and sending the new values back
to OSC targets and MIDI outputs, never to the family (osc, midi, joystick, key) that made the change.

The hub calls `begin_frame(state)` before routing events and `end_frame(...)` after (with the sink's record of
who wrote what); a value changed by
someone else (a preset, a walk) between frames is sent to everyone, and controls shown the value count as
picked up (soft takeover engaged).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

from performer.controls.bindings import Binding
from performer.controls.osc_feedback import OscFeedback
from performer.controls.transforms import Fourteen
from performer.state import PARAMS, PerformanceState
from performer.targets import PREFIX, Target


def read_target(state: PerformanceState, target: Target) -> float:
    if target.kind == "latent":
        return float(state.z[target.index])
    return float(state.params[target.name])


def state_vector(state: PerformanceState) -> np.ndarray:
    """The latent then the params, in the order of targets.value_targets."""
    return np.concatenate([state.z.astype(np.float64), [state.params[p.name] for p in PARAMS]])


def midi_messages(binding: Binding, raw: float) -> list:
    """The MIDI messages that show `raw` on the control of `binding` (none for kinds without feedback)."""
    import mido

    channel = (binding.control.channel or 1) - 1
    c = binding.control
    if binding.kind == "cc":
        return [mido.Message("control_change", channel=channel, control=c.cc, value=min(max(int(round(raw)), 0), 127))]
    if binding.kind == "cc14":
        msb, lsb = Fourteen.split(raw)
        return [
            mido.Message("control_change", channel=channel, control=c.cc14, value=msb),
            mido.Message("control_change", channel=channel, control=c.cc14 + 32, value=lsb),
        ]
    if binding.kind == "pitchbend":
        return [mido.Message("pitchwheel", channel=channel, pitch=min(max(int(round(raw)), -8192), 8191))]
    return []


class FeedbackRouter:
    """Per-frame change tracking and feedback sending for one hub (`stats` is the hub's counter)."""

    def __init__(self, targets: Sequence[Target], osc_out: OscFeedback, interval: float, stats: Counter) -> None:
        self.targets = targets
        self.names = [target.name for target in targets]
        self.osc_out = osc_out
        self.interval = interval
        self.stats = stats
        self.pending: dict[int, set[str]] = {}  # target index -> families that wrote it (empty: an outsider)
        self.last_vector: np.ndarray | None = None
        self.next_send = float("-inf")

    def begin_frame(self, state: PerformanceState) -> np.ndarray:
        """Mark values changed by someone else since the last frame; returns the vector before routing."""
        before = state_vector(state)
        if self.last_vector is not None:
            for i in np.flatnonzero(before != self.last_vector):
                self.pending[int(i)] = set()  # changed by someone else: everyone hears it
        return before

    def end_frame(
        self,
        state: PerformanceState,
        before: np.ndarray,
        origin: dict[str, str],
        now: float,
        bindings: Iterable[Binding],
        midi,
    ) -> None:
        """Mark the values this frame changed by the family that wrote them (`origin`: target name ->
        family); send when something is pending and the feedback interval has passed."""
        after = state_vector(state)
        for i in np.flatnonzero(after != before):
            family = origin.get(self.names[int(i)], "")
            families = self.pending.get(int(i))
            if families is None:
                self.pending[int(i)] = {family}
            elif families:  # an empty set means an outside change: everyone hears it
                families.add(family)
        self.last_vector = after
        if self.pending and now >= self.next_send:
            self.next_send = now + self.interval
            self.send(state, bindings, midi)

    def send(self, state: PerformanceState, bindings: Iterable[Binding], midi) -> None:
        """`midi`: the MIDI source (its open outputs), or None."""
        pending, self.pending = self.pending, {}
        bindings = list(bindings)
        for i, families in pending.items():
            name = self.names[i]
            target = self.targets[i]
            value = read_target(state, target)
            if "osc" not in families:
                if target.kind == "latent":
                    self.osc_out.send(f"{PREFIX}/z/{target.index + 1}", [value])
                else:
                    self.osc_out.send(f"{PREFIX}/param/{name}", [value])
            for binding in bindings:
                if not binding.feedback or binding.target.name != name or binding.family in families:
                    continue
                raw = binding.shape.inverse(value)
                if binding.kind == "osc" and binding.pattern is None and self.osc_out.targets:
                    self.osc_out.send(binding.control.osc, [float(raw)])
                elif binding.family == "midi" and midi is not None and midi.outputs:
                    for message in midi_messages(binding, raw):
                        midi.send(message)
                else:
                    continue
                binding.last_written = value  # the control now shows the value: it is picked up
                if binding.takeover is not None:
                    binding.takeover.engaged = True
            self.stats["feedback"] += 1
