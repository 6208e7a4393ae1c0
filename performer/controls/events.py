"""Events and the tables that describe sources and targets.

Every input turns what it receives into `ControlEvent`s; mappings turn events into writes to the state or
calls of named actions. The tables below drive the code, as mido's message specs do.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from performer.palettes import PALETTE_NAMES
from performer.state import LATENT_LIMIT, PARAM_SPECS

HUGE = 1e6  # any number beyond this from a controller is an error, not a value to clamp


@dataclass(frozen=True, slots=True)
class ControlEvent:
    """One thing a controller did. `number` is the control within its kind: a CC or note number, a joystick
    axis/button index or gamepad name ("left_x", "a"), a hat direction ("0.up"), a key name, an OSC address.
    `channel` is the MIDI channel 1..16 or the joystick id; `device` the port, joystick or sender name."""

    kind: str
    number: int | str | None
    value: float
    channel: int | None = None
    device: str = ""
    time: float = 0.0

    def label(self) -> str:
        """'cc 3 = 64 ch 1 (nanoKONTROL2)': what the HUD shows as the last control seen."""
        number = "" if self.number is None else f" {self.number}"
        channel = f" ch {self.channel}" if self.channel is not None else ""
        device = f" ({self.device})" if self.device else ""
        return f"{self.kind}{number} = {self.value:g}{channel}{device}"


@dataclass(frozen=True)
class SourceKind:
    name: str
    family: str  # "midi", "osc", "joystick" or "key": who sends it, and who gets feedback
    low: float  # default input range, raw units
    high: float
    bipolar: bool = False  # centred at rest (sticks, pitch bend): velocity mode uses the signed deflection
    threshold: float = 0.5  # default trigger level on the normalised input 0..1


SOURCE_KINDS: dict[str, SourceKind] = {
    k.name: k
    for k in (
        SourceKind("cc", "midi", 0, 127),
        SourceKind("cc14", "midi", 0, 16383),
        SourceKind("note", "midi", 0, 127, threshold=0.5 / 127),  # any note-on triggers
        SourceKind("pitchbend", "midi", -8192, 8191, bipolar=True),
        SourceKind("program", "midi", 0, 127, threshold=0.0),
        SourceKind("osc", "osc", 0.0, 1.0),
        SourceKind("axis", "joystick", -1.0, 1.0, bipolar=True),
        SourceKind("button", "joystick", 0.0, 1.0),
        SourceKind("hat", "joystick", 0.0, 1.0),
        SourceKind("key", "key", 0.0, 1.0),
    )
}

# Actions the app provides by name (the app's dict of callables). "preset" takes a name or an index.
ACTIONS = (
    "random", "hyperspace", "blackout", "snapshot", "pause", "quit", "fullscreen", "hud", "previews",
    "preset", "preset_next", "preset_prev", "preset_save",
    "walk", "walk_play", "walk_stop", "walk_toggle", "walk_next", "walk_prev", "tap_tempo",
    "record_start", "record_stop", "record_toggle", "learn", "learn_next", "learn_prev",
)  # fmt: skip
ACTIONS_WITH_ARGUMENT = ("preset", "walk")  # "preset:night", "walk:groove"

# Default output range per target when a mapping gives none: the playable span, not the hard limits.
DEFAULT_OUT: dict[str, tuple[float, float]] = {
    "latent": (-3.0, 3.0),
    "zoom": (0.25, 8.0),
    "pan_x": (-2.0, 2.0),
    "pan_y": (-2.0, 2.0),
    "rotation": (-180.0, 180.0),
    "palette": (0.0, float(len(PALETTE_NAMES) - 1)),
    "contrast": (0.0, 2.0),
}


@dataclass(frozen=True)
class Target:
    """What a mapping drives: kind "latent" (index), "param" (name) or "action" (name, optional argument)."""

    kind: str
    name: str  # "z3", "zoom", "random", "preset"
    index: int = -1  # latent index, 0-based
    argument: str | None = None  # "preset:night" -> "night"

    @property
    def key(self) -> str:
        return self.name

    @property
    def default_out(self) -> tuple[float, float]:
        if self.kind == "latent":
            return DEFAULT_OUT["latent"]
        spec = PARAM_SPECS[self.name]
        return DEFAULT_OUT.get(self.name, (spec.low, spec.high))

    @property
    def limits(self) -> tuple[float, float]:
        if self.kind == "latent":
            return (-LATENT_LIMIT, LATENT_LIMIT)
        spec = PARAM_SPECS[self.name]
        return (spec.low, spec.high)


def parse_target(text: str, latent_dim: int = 8) -> Target:
    """"z1".."z<latent_dim>", a parameter name, an action name, or "preset:NAME"; ValueError lists them."""
    if not isinstance(text, str):
        raise ValueError(f"target must be a string, got {text!r}")
    name, _, argument = text.partition(":")
    if name.startswith("z") and name[1:].isdigit():
        number = int(name[1:])
        if not 1 <= number <= latent_dim:
            raise ValueError(f"latent target must be z1..z{latent_dim}, got {text!r}")
        if argument:
            raise ValueError(f"{name} takes no ':argument'")
        return Target("latent", name, number - 1)
    if name in PARAM_SPECS and not argument:
        return Target("param", name)
    if name in ACTIONS:
        if argument and name not in ACTIONS_WITH_ARGUMENT:
            raise ValueError(f"only {' and '.join(ACTIONS_WITH_ARGUMENT)} take ':argument', got {text!r}")
        return Target("action", name, argument=argument or None)
    raise ValueError(
        f"unknown target {text!r}; known: z1..z{latent_dim}, {', '.join(PARAM_SPECS)}, "
        f"{', '.join(ACTIONS)}, preset:NAME, walk:NAME"
    )


def all_targets(latent_dim: int = 8) -> list[str]:
    """Value targets in a sensible order (for learn): the latents first."""
    return [f"z{i + 1}" for i in range(latent_dim)] + list(PARAM_SPECS)


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
