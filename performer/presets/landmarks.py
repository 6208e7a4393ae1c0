"""presets/landmarks.yaml: named points of the space with the view parameters that make them.

    model: fashion.safetensors        # the model the z's belong to (a note for people)
    landmarks:
      - name: ankle boot
        z: [0.1, -1.2, ...]           # latent_dim numbers
        palette: grey                 # optional, a name from performer.palettes
        zoom: 1.0                     # optional
        print_a: 3                    # optional print parameters: print_a, print_b, print_mix,
        print_opacity: 0.8            #   print_opacity, print_scale (ranges as in performer.state)
        note: how it was found        # optional

Saving re-reads the file and writes it whole through a temporary file, so a landmark saved live never
loses the ones already there, and a crash mid-write leaves the old file.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from performer.palettes import PALETTE_NAMES
from performer.paths import DEFAULT_LANDMARKS
from performer.safe_files import (
    FILE_BOUNDS,
    FileTooLarge,
    atomic_write_text,
    check_elements,
    read_bounded_text,
    too_many,
)
from performer.state import LATENT_LIMIT, PARAM_SPECS, PerformanceState
from performer.walks.pose import PRINT_PARAMS, Pose, palette_index

log = logging.getLogger(__name__)
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: the same safe subset, 4x faster

HEADER = (
    "# Landmarks: named points of the space. `performer landmarks` lists them and draws a contact sheet;\n"
    "# `performer landmarks --generate` rebuilds the class landmarks from a model.\n"
)


class LandmarkError(Exception):
    """A landmarks file that cannot be used; the message names the file and the key."""


class LandmarkEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(min_length=1, max_length=64)
    z: list[float]
    palette: str | None = None
    zoom: float | None = None
    print_a: float | None = None
    print_b: float | None = None
    print_mix: float | None = None
    print_opacity: float | None = None
    print_scale: float | None = None
    note: str = ""

    @field_validator("z")
    @classmethod
    def _z(cls, values: list[float]) -> list[float]:
        for value in values:
            if not math.isfinite(value) or abs(value) > LATENT_LIMIT:
                raise ValueError(f"latent values must be finite, in -{LATENT_LIMIT}..{LATENT_LIMIT}, got {value}")
        return values

    @field_validator("palette")
    @classmethod
    def _palette(cls, value: str | None) -> str | None:
        if value is not None and value not in PALETTE_NAMES:
            raise ValueError(f"unknown palette {value!r}; known: {', '.join(PALETTE_NAMES)}")
        return value

    @field_validator("zoom", *PRINT_PARAMS)
    @classmethod
    def _in_state_range(cls, value: float | None, info: ValidationInfo) -> float | None:
        spec = PARAM_SPECS[info.field_name]
        if value is not None and not spec.low <= value <= spec.high:
            raise ValueError(f"{info.field_name} must be in {spec.low}..{spec.high}, got {value}")
        return value

    def landmark(self) -> Landmark:
        return Landmark(
            self.name,
            tuple(self.z),
            self.palette,
            self.zoom,
            self.note,
            {k: getattr(self, k) for k in PRINT_PARAMS if getattr(self, k) is not None},
        )


class LandmarkFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    model: str | None = None
    landmarks: list[LandmarkEntry] = Field(default_factory=list)


@dataclass(frozen=True)
class Landmark:
    name: str
    z: tuple[float, ...]
    palette: str | None = None
    zoom: float | None = None
    note: str = ""
    prints: dict[str, float] = field(default_factory=dict)  # any of PRINT_PARAMS

    def pose(self) -> Pose:
        params: dict[str, float] = {}
        if self.palette is not None:
            params["palette"] = float(palette_index(self.palette))
        if self.zoom is not None:
            params["zoom"] = self.zoom
        params.update(self.prints)
        return Pose(np.array(self.z, dtype=np.float64), params)

    def entry(self) -> dict:
        out: dict = {"name": self.name, "z": [round(float(v), 4) for v in self.z]}
        for key in ("palette", "zoom"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        out.update({k: self.prints[k] for k in PRINT_PARAMS if k in self.prints})
        if self.note:
            out["note"] = self.note
        return out


def describe_error(path: Path, exc: ValidationError, data: object) -> str:
    """One line per problem: file, the key path (landmark names instead of bare indexes), the reason."""
    lines = []
    for error in exc.errors():
        parts = []
        for i, loc in enumerate(error["loc"]):
            if isinstance(loc, int) and i >= 1 and error["loc"][i - 1] == "landmarks":
                try:
                    parts.append(f"[{loc}] ({data['landmarks'][loc]['name']})")  # type: ignore[index]
                    continue
                except (KeyError, TypeError, IndexError):
                    pass
            parts.append(f"[{loc}]" if isinstance(loc, int) else f".{loc}" if parts else str(loc))
        lines.append(f"{path}: {''.join(parts)}: {error['msg']}")
    return "\n".join(lines)


def read_yaml(path: Path, error: type[Exception], kind: str) -> object:
    """The parsed YAML of a file (None when empty), within the size and value bounds of its kind
    (performer.safe_files.FILE_BOUNDS); `error` names the file and the problem when it cannot be read, is
    too large or is not YAML. Landmark and walk files read through here."""
    bound = FILE_BOUNDS[kind]
    try:
        text = read_bounded_text(path, bound.max_bytes, kind)
    except OSError as exc:
        raise error(f"{path}: cannot read ({exc.strerror or exc})") from exc
    except UnicodeDecodeError as exc:
        raise error(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except ValueError as exc:  # too large, or not a regular file: the message names the file
        raise error(str(exc)) from None
    try:
        data = yaml.load(text, Loader=SAFE_LOADER)  # noqa: S506 - a safe loader
    except (yaml.YAMLError, ValueError) as exc:  # a constructor's ValueError: e.g. a date with month 13
        raise error(f"{path}: not valid YAML ({exc})") from exc
    try:
        check_elements(data, bound.max_values, path, kind)
    except FileTooLarge as exc:
        raise error(str(exc)) from None
    items = data.get(bound.items) if isinstance(data, dict) else None
    if isinstance(items, list) and len(items) > bound.max_items:
        raise error(str(too_many(path, len(items), bound, kind)))
    return data


def read_landmarks(path: str | Path) -> LandmarkFile:
    path = Path(path)
    data = read_yaml(path, LandmarkError, "landmarks")
    if data is None:
        return LandmarkFile()
    try:
        parsed = LandmarkFile.model_validate(data)
    except ValidationError as exc:
        raise LandmarkError(describe_error(path, exc, data)) from None
    names = [e.name for e in parsed.landmarks]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise LandmarkError(f"{path}: landmarks: duplicate names {duplicates}")
    return parsed


def load_landmarks(path: str | Path = DEFAULT_LANDMARKS, latent_dim: int | None = None) -> list[Landmark]:
    """The file's landmarks in order; with latent_dim, every z must have that many values."""
    path = Path(path)
    parsed = read_landmarks(path)
    out = []
    for index, e in enumerate(parsed.landmarks):
        if latent_dim is not None and len(e.z) != latent_dim:
            raise LandmarkError(
                f"{path}: landmarks[{index}] ({e.name}).z: has {len(e.z)} values, the model has {latent_dim} latents"
            )
        out.append(e.landmark())
    return out


def save_landmarks(path: str | Path, landmarks: list[Landmark], model: str | None = None) -> Path:
    """Write all landmarks (atomically: temporary file, then rename)."""
    path = Path(path)
    document: dict = {}
    if model:
        document["model"] = model
    document["landmarks"] = [lm.entry() for lm in landmarks]
    text = HEADER + yaml.safe_dump(document, sort_keys=False, default_flow_style=None, width=120)
    return atomic_write_text(path, text, "landmarks")  # WriteError: one line, the old file kept


def unique_name(name: str, taken: set[str]) -> str:
    if name not in taken:
        return name
    number = 2
    while f"{name} {number}" in taken:
        number += 1
    return f"{name} {number}"


def add_landmark(path: str | Path, landmark: Landmark) -> Landmark:
    """Append to the file as it is on disk now (another save may have happened); a taken name gets a
    number. Returns the landmark as saved."""
    path = Path(path)
    existing = read_landmarks(path) if path.exists() else LandmarkFile()
    current = [e.landmark() for e in existing.landmarks]
    saved = dataclasses.replace(landmark, name=unique_name(landmark.name, {lm.name for lm in current}))
    save_landmarks(path, current + [saved], existing.model)
    log.info("saved landmark %r to %s", saved.name, path)
    return saved


def landmark_from_state(state: PerformanceState, name: str, note: str = "") -> Landmark:
    params = state.params
    return Landmark(
        name=name,
        z=tuple(round(float(v), 4) for v in state.z),
        palette=state.palette_name,
        zoom=round(float(params["zoom"]), 4),
        note=note,
        prints={k: round(float(params[k]), 4) for k in PRINT_PARAMS if k in params},
    )


def find_landmark(landmarks: list[Landmark], key: str | int) -> Landmark:
    """By name (exact, then case-insensitive) or by index; KeyError names what exists."""
    if isinstance(key, int) and not isinstance(key, bool):
        if not 0 <= key < len(landmarks):
            raise KeyError(f"landmark index {key} out of range 0..{len(landmarks) - 1}")
        return landmarks[key]
    for lm in landmarks:
        if lm.name == key:
            return lm
    for lm in landmarks:
        if lm.name.lower() == str(key).lower():
            return lm
    raise KeyError(f"no landmark named {key!r}; known: {', '.join(lm.name for lm in landmarks)}")
