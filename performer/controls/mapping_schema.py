"""mappings/*.yaml: the schema (pydantic v2, frozen, unknown keys forbidden) and a loader that names
file:line:key in every error.

The YAML is read with yaml.SafeLoader semantics (no tags beyond the safe ones, nothing executed); the only
addition is that every mapping remembers the line of each key, so a schema error points at the line to fix.
Duplicate keys are an error too (plain safe_load silently keeps the last one).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from performer.controls.events import SOURCE_KINDS, parse_target
from performer.controls.osc_pattern import check_address
from performer.controls.transforms import CURVES, RELATIVE_ENCODINGS

GAMEPAD_AXES = ("left_x", "left_y", "right_x", "right_y", "left_trigger", "right_trigger")  # GLFW order
GAMEPAD_BUTTONS = (
    "a", "b", "x", "y", "left_bumper", "right_bumper", "back", "start", "guide", "left_thumb", "right_thumb",
    "dpad_up", "dpad_right", "dpad_down", "dpad_left",
)  # fmt: skip
HAT_DIRECTIONS = {"up": 1, "right": 2, "down": 4, "left": 8}  # GLFW hat bits
SOURCE_KEYS = ("cc", "cc14", "note", "pitchbend", "program", "osc", "axis", "button", "hat", "key")
MAX_LATENTS = 64


class MappingError(ValueError):
    """A mapping file that cannot be used; str() is one 'file:line: key: problem' line per problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


# ---- YAML with line numbers -------------------------------------------------------------------------------


class LineDict(dict):
    """A dict from YAML that knows its own line and the line of each key (1-based)."""

    line: int = 0
    key_lines: dict


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "a key must be a plain value", key_node.start_mark
            ) from None
        if key in result:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml_lines(text: str, name: str = "<mapping>") -> Any:
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - _LineLoader is a SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        raise MappingError([f"{name}:{line}: YAML: {exc.problem or exc.context}"]) from None
    except yaml.YAMLError as exc:
        raise MappingError([f"{name}:0: YAML: {exc}"]) from None


def _locate(data: Any, loc: tuple) -> tuple[int, str]:
    """The line of the deepest key of `loc` found in the loaded data, and the dotted key path."""
    line, node, parts = 0, data, []
    for part in loc:
        if isinstance(node, LineDict):
            line = node.line or line
            if part in node:
                line = node.key_lines.get(part, line)
                node = node[part]
            else:
                node = None
            parts.append(str(part))
        elif isinstance(node, list) and isinstance(part, int):
            if parts:
                parts[-1] += f"[{part}]"
            else:
                parts.append(f"[{part}]")
            node = node[part] if 0 <= part < len(node) else None
            if isinstance(node, LineDict):
                line = node.line
        else:
            if isinstance(part, str):
                parts.append(part)
            node = None
    return line, ".".join(parts) or "(top)"


# ---- the schema -------------------------------------------------------------------------------------------

_STRICT = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False, populate_by_name=True)


class Shaping(BaseModel):
    """Options shared by a control and a file's `defaults`."""

    model_config = _STRICT

    invert: bool | None = None
    curve: Literal["linear", "exponential", "logarithmic", "s-curve"] | None = None
    curve_amount: float | None = Field(None, gt=0.0, le=20.0)
    smoothing: float | None = Field(None, ge=0.0, le=10.0, description="time constant, seconds")
    deadzone: float | None = Field(None, ge=0.0, le=0.9, description="fraction of the half range")
    takeover: Literal["jump", "pickup"] | None = None
    pickup_window: float | None = Field(None, ge=0.0, le=0.5)
    fast_move: float | None = Field(None, ge=0.0, le=1.0)
    fast_move_time: float | None = Field(None, gt=0.0, le=2.0)
    threshold: float | None = Field(None, ge=0.0, le=1.0)
    mode: Literal["absolute", "velocity"] | None = None
    feedback: bool | None = None


SHAPING_DEFAULTS: dict[str, Any] = {
    "invert": False, "curve": "linear", "curve_amount": 4.0, "smoothing": 0.0, "deadzone": 0.0,
    "takeover": "jump", "pickup_window": 0.02, "fast_move": 0.5, "fast_move_time": 0.25, "threshold": None,
    "mode": "absolute", "feedback": True,
}  # fmt: skip
assert set(SHAPING_DEFAULTS) == set(Shaping.model_fields)
assert set(CURVES) == {"linear", "exponential", "logarithmic", "s-curve"}
assert set(RELATIVE_ENCODINGS) == {"signed-bit", "signed-bit-2", "binary-offset", "twos-complement"}


def _range(value: list[float] | None, name: str) -> list[float] | None:
    if value is None:
        return None
    if len(value) != 2:
        raise ValueError(f"{name} must be two numbers [low, high], got {len(value)}")
    if value[0] == value[1]:
        raise ValueError(f"{name} low and high must differ, got {value}")
    if any(not math.isfinite(v) or abs(v) > 1e6 for v in value):
        raise ValueError(f"{name} must be finite numbers within +-1e6")
    return value


class Control(Shaping):
    """One control -> one target. Exactly one source key: cc, cc14, note, pitchbend, program, osc, axis,
    button, hat, key."""

    cc: int | None = Field(None, ge=0, le=127)
    cc14: int | None = Field(None, ge=0, le=31, description="MSB on CC n, LSB on CC n+32")
    note: int | None = Field(None, ge=0, le=127)
    pitchbend: Literal[True] | None = None
    program: Literal[True] | None = None
    osc: str | None = Field(None, min_length=2, max_length=256)
    axis: int | str | None = None
    button: int | str | None = None
    hat: int | None = Field(None, ge=0, le=31)
    key: str | None = Field(None, min_length=1, max_length=32)

    direction: Literal["up", "down", "left", "right"] | None = None
    channel: int | None = Field(None, ge=1, le=16, description="MIDI channel 1..16; any when absent")
    device: str | None = Field(None, min_length=1, max_length=128, description="port/joystick name substring")
    joystick: int | None = Field(None, ge=0, le=15)

    to: str
    in_range: list[float] | None = Field(None, alias="in")
    out: list[float] | None = None
    relative: Literal["signed-bit", "signed-bit-2", "binary-offset", "twos-complement"] | None = None
    step: float | None = Field(None, gt=0.0, le=1e6, description="output units per relative tick")
    rate: float | None = Field(None, ge=-1e6, le=1e6, description="velocity mode: units/second at full tilt")

    @field_validator("in_range")
    @classmethod
    def _in_range(cls, v):
        return _range(v, "in")

    @field_validator("out")
    @classmethod
    def _out(cls, v):
        return _range(v, "out")

    @field_validator("osc")
    @classmethod
    def _osc(cls, v):
        if v is not None:
            check_address(v)  # the matcher's own check: a pattern that loads is one it can match
        return v

    @field_validator("axis")
    @classmethod
    def _axis(cls, v):
        if isinstance(v, str) and v not in GAMEPAD_AXES:
            raise ValueError(f"gamepad axis must be one of {', '.join(GAMEPAD_AXES)} (or an index 0..63)")
        if isinstance(v, int) and not 0 <= v <= 63:
            raise ValueError(f"axis index must be 0..63, got {v}")
        return v

    @field_validator("button")
    @classmethod
    def _button(cls, v):
        if isinstance(v, str) and v not in GAMEPAD_BUTTONS:
            raise ValueError(f"gamepad button must be one of {', '.join(GAMEPAD_BUTTONS)} (or an index 0..127)")
        if isinstance(v, int) and not 0 <= v <= 127:
            raise ValueError(f"button index must be 0..127, got {v}")
        return v

    @field_validator("to")
    @classmethod
    def _to(cls, v):
        parse_target(v, MAX_LATENTS)
        return v

    @model_validator(mode="after")
    def _consistent(self):
        sources = [k for k in SOURCE_KEYS if getattr(self, k) is not None]
        if len(sources) != 1:
            raise ValueError(f"give exactly one source ({', '.join(SOURCE_KEYS)}), got {sources or 'none'}")
        if (self.direction is None) != (self.hat is None):
            raise ValueError("hat and direction go together")
        if self.relative is not None and self.cc is None:
            raise ValueError("relative encodings apply to 'cc' controls only")
        if self.step is not None and self.relative is None:
            raise ValueError("step applies to relative encoders only")
        if self.rate is not None and self.mode != "velocity":
            raise ValueError("rate applies to mode: velocity only")
        target = parse_target(self.to, MAX_LATENTS)
        if target.kind == "action" and (self.relative or self.mode == "velocity"):
            raise ValueError(f"action {self.to} is triggered, not driven by relative or velocity mode")
        if self.channel is not None and self.source not in ("cc", "cc14", "note", "pitchbend", "program"):
            raise ValueError("channel applies to MIDI sources only")
        if self.joystick is not None and self.source not in ("axis", "button", "hat"):
            raise ValueError("joystick applies to axis, button and hat only")
        return self

    @property
    def source(self) -> str:
        return next(k for k in SOURCE_KEYS if getattr(self, k) is not None)

    @property
    def number(self) -> int | str | None:
        """The event number this control listens to (cc14: the MSB's CC; hat: "index.direction")."""
        kind = self.source
        if kind == "hat":
            return f"{self.hat}.{self.direction}"
        if kind in ("pitchbend", "program"):
            return None
        return getattr(self, kind)

    @property
    def input_range(self) -> tuple[float, float]:
        if self.in_range is not None:
            return (self.in_range[0], self.in_range[1])
        spec = SOURCE_KINDS[self.source]
        return (spec.low, spec.high)

    def option(self, name: str, defaults: Shaping | None = None) -> Any:
        """A shaping option: the control's own, else the file's default, else the built-in default."""
        value = getattr(self, name)
        if value is None and defaults is not None:
            value = getattr(defaults, name)
        if value is None:
            value = SHAPING_DEFAULTS[name]
        return value


class OscTargetModel(BaseModel):
    model_config = _STRICT
    host: str = Field(min_length=1, max_length=253)
    port: int = Field(ge=1, le=65535)


class OscSettings(BaseModel):
    model_config = _STRICT
    host: str | None = Field(None, min_length=1, max_length=253, description="listen address")
    port: int | None = Field(None, ge=1, le=65535)
    allow: list[str] = Field(default_factory=list, description="sender addresses allowed; empty = anyone")
    feedback: list[OscTargetModel] = Field(default_factory=list)


class MidiSettings(BaseModel):
    model_config = _STRICT
    inputs: list[str] = Field(default_factory=list, description="port names or substrings; 'all'")
    outputs: list[str] = Field(default_factory=list, description="feedback ports (motor faders, LEDs)")


class MappingFile(BaseModel):
    model_config = _STRICT
    name: str = ""
    description: str = ""
    osc: OscSettings = Field(default_factory=OscSettings)
    midi: MidiSettings = Field(default_factory=MidiSettings)
    defaults: Shaping = Field(default_factory=Shaping)
    controls: list[Control] = Field(default_factory=list)


def _message(err: dict) -> str:
    text = err["msg"]
    if err["type"] == "extra_forbidden":
        return "unknown key"
    if err["type"] == "value_error":
        text = text.removeprefix("Value error, ")
    value = err.get("input")
    if err["type"] not in ("missing", "model_type") and not isinstance(value, (dict, list)):
        text += f" (got {value!r})"
    return text


def parse_mapping(text: str, name: str = "<mapping>", latent_dim: int = 8) -> MappingFile:
    """Validate mapping text; MappingError lists each problem as 'name:line: key: message'."""
    data = load_yaml_lines(text, name)
    if data is None:
        raise MappingError([f"{name}:1: the file is empty"])
    if not isinstance(data, dict):
        raise MappingError([f"{name}:1: the top level must be a mapping of keys (name, osc, midi, controls)"])
    try:
        mapping = MappingFile.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p in ("int", "str", "list[float]")))
            line, key = _locate(data, loc)
            problems.append(f"{name}:{line}: {key}: {_message(err)}")
        raise MappingError(problems) from None
    problems = []
    for index, control in enumerate(mapping.controls):
        try:
            parse_target(control.to, latent_dim)
        except ValueError as exc:
            line, key = _locate(data, ("controls", index, "to"))
            problems.append(f"{name}:{line}: {key}: {exc}")
    if problems:
        raise MappingError(problems)
    return mapping


def load_mapping(path: str | Path, latent_dim: int = 8) -> MappingFile:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise MappingError([f"{path}:0: cannot read: {exc}"]) from None
    return parse_mapping(text, str(path), latent_dim)
