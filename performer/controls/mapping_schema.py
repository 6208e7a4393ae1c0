"""mappings/*.yaml: the schema (pydantic v2, frozen, unknown keys forbidden) and the loader, which names
file:line:key in every error (the YAML is read with each key's line: mapping_yaml.py) and reads a file
within its bound (FILE_BOUNDS["mapping"]) before a byte is parsed.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from performer.controls.audio_schema import AudioKeys
from performer.controls.events import EVENT_KINDS, GAMEPAD_AXES, GAMEPAD_BUTTONS
from performer.controls.mapping_yaml import MappingError, load_yaml_lines, locate
from performer.controls.osc_pattern import check_address
from performer.controls.transforms import CURVES, RELATIVE_ENCODINGS
from performer.safe_files import FILE_BOUNDS, read_bounded_text, too_many
from performer.targets import parse_target

SOURCE_KEYS = ("cc", "cc14", "note", "pitchbend", "program", "osc", "axis", "button", "hat", "key", "audio")
MAX_LATENTS = 64


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
    "invert": False,
    "curve": "linear",
    "curve_amount": 4.0,
    "smoothing": 0.0,
    "deadzone": 0.0,
    "takeover": "jump",
    "pickup_window": 0.02,
    "fast_move": 0.5,
    "fast_move_time": 0.25,
    "threshold": None,
    "mode": "absolute",
    "feedback": True,
}
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


class Control(Shaping, AudioKeys):
    """One control -> one target. Exactly one source key: cc, cc14, note, pitchbend, program, osc, axis,
    button, hat, key, audio (its keys: audio_schema.py)."""

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
        self.check_audio(target.kind)
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
        spec = EVENT_KINDS[self.source]
        return self.audio_range() or (spec.low, spec.high)

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
            line, key = locate(data, loc)
            problems.append(f"{name}:{line}: {key}: {_message(err)}")
        raise MappingError(problems) from None
    problems = []
    for index, control in enumerate(mapping.controls):
        try:
            parse_target(control.to, latent_dim)
        except ValueError as exc:
            line, key = locate(data, ("controls", index, "to"))
            problems.append(f"{name}:{line}: {key}: {exc}")
    if problems:
        raise MappingError(problems)
    return mapping


def load_mapping(path: str | Path, latent_dim: int = 8) -> MappingFile:
    """A mapping file within FILE_BOUNDS["mapping"]: the size is checked before a byte is read (a reload
    runs on the render thread), the number of controls after parsing. Every problem is a MappingError."""
    path, bound = Path(path), FILE_BOUNDS["mapping"]
    try:
        text = read_bounded_text(path, bound.max_bytes, "mapping")
    except OSError as exc:
        raise MappingError([f"{path}:0: cannot read: {exc.strerror or exc}"]) from None
    except ValueError as exc:  # too large, not UTF-8, not a regular file
        raise MappingError([f"{path}:0: {exc}" if isinstance(exc, UnicodeDecodeError) else str(exc)]) from None
    mapping = parse_mapping(text, str(path), latent_dim)
    if len(mapping.controls) > bound.max_items:
        raise MappingError([str(too_many(path, len(mapping.controls), bound, "mapping"))])
    return mapping
