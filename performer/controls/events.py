"""Events, the table of event kinds, and the one number check.

Every source (performer/sources) turns what it receives into `ControlEvent`s; the hub offers them to learn
and to the dispatch, which turns them into writes to the state or calls of named actions (what can be
written and called is performer/targets.py). The table below drives the code, as mido's message specs do.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

HUGE = 1e6  # any number beyond this from a controller is an error, not a value to clamp

GAMEPAD_AXES = ("left_x", "left_y", "right_x", "right_y", "left_trigger", "right_trigger")  # GLFW order
GAMEPAD_BUTTONS = (  # GLFW order
    *("a", "b", "x", "y", "left_bumper", "right_bumper", "back", "start", "guide", "left_thumb", "right_thumb"),
    *("dpad_up", "dpad_right", "dpad_down", "dpad_left"),
)
HAT_DIRECTIONS = {"up": 1, "right": 2, "down": 4, "left": 8}  # GLFW hat bits
TRIGGERS = frozenset({"left_trigger", "right_trigger"})  # gamepad axes that rest at -1, not 0


@dataclass(frozen=True, slots=True)
class ControlEvent:
    """One thing a controller did. `number` is the control within its kind: a CC or note number, a joystick
    axis/button index or gamepad name ("left_x", "a"), a hat direction ("0.up"), a key name, an OSC address.
    `value` was checked where the event was made (`check_number`: finite, within +-HUGE), so nothing after
    the source checks it again; it is None for an OSC message whose first argument is not a number (a
    palette or landmark name), whose arguments are in `args`. `channel` is the MIDI channel 1..16 or the
    joystick id; `device` the port, joystick or sender name."""

    kind: str
    number: int | str | None
    value: float | None
    channel: int | None = None
    device: str = ""
    time: float = 0.0
    args: tuple = ()  # OSC: the message's arguments as decoded
    # who made it, when not the kind's own family: the operator window and the design canvas speak the
    # canonical OSC addresses but are not OSC clients, so their changes are fed back to OSC (and MIDI)
    origin: str = ""

    def label(self) -> str:
        """'cc 3 = 64 ch 1 (nanoKONTROL2)': what the HUD shows as the last control seen."""
        number = "" if self.number is None else f" {self.number}"
        value = f"{self.value:g}" if self.value is not None else str(self.args[0]) if self.args else "?"
        channel = f" ch {self.channel}" if self.channel is not None else ""
        device = f" ({self.device})" if self.device else ""
        return f"{self.kind}{number} = {value}{channel}{device}"


@dataclass(frozen=True)
class EventKind:
    name: str
    family: str  # "midi", "osc", "joystick", "key" or "audio": who sends it, and who gets feedback
    low: float  # default input range, raw units
    high: float
    bipolar: bool = False  # centred at rest (sticks, pitch bend): velocity mode uses the signed deflection
    threshold: float = 0.5  # default trigger level on the normalised input 0..1


EVENT_KINDS: dict[str, EventKind] = {
    k.name: k
    for k in (
        EventKind("cc", "midi", 0, 127),
        EventKind("cc14", "midi", 0, 16383),
        EventKind("note", "midi", 0, 127, threshold=0.5 / 127),  # any note-on triggers
        EventKind("pitchbend", "midi", -8192, 8191, bipolar=True),
        EventKind("program", "midi", 0, 127, threshold=0.0),
        EventKind("osc", "osc", 0.0, 1.0),
        EventKind("axis", "joystick", -1.0, 1.0, bipolar=True),
        EventKind("button", "joystick", 0.0, 1.0),
        EventKind("hat", "joystick", 0.0, 1.0),
        EventKind("key", "key", 0.0, 1.0),
        EventKind("audio", "audio", 0.0, 1.0),  # number: a feature of performer/audio/names.py (its own range)
    )
}


def check_number(value: object) -> float:
    """A controller number as a float, or ValueError: bools count as 0/1; NaN, infinity, |x| > HUGE and
    non-numbers are refused (dropped and counted by the caller, never clamped into the state)."""
    if isinstance(value, bool):
        return float(value)
    if not isinstance(value, (int, float)):
        raise ValueError(f"expected a number, got {type(value).__name__}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"expected a finite number, got {number}")
    if abs(number) > HUGE:
        raise ValueError(f"number {number:g} beyond +-{HUGE:g}")
    return number
