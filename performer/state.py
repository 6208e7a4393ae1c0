"""The performance state: every value the renderer draws from, in one object.

Controllers, presets and walks write it; the renderer reads it once per frame and never knows where a value
came from. Parameters are a data table (as mido's message specs are): adding one is adding a row.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from performer.palettes import PALETTE_NAMES
from performer.prints.slots import MAX_SLOTS

LATENT_LIMIT = 4.0  # |z_i| beyond this leaves the prior's range (N(0,1): 4 sigma) and shows noise
LATENT_PLAYABLE = (-3.0, 3.0)  # what a control drives a latent over when its mapping gives no range
BACKGROUND_MODES = ("colour", "transparent")  # the background parameter's values, by index


@dataclass(frozen=True)
class ParamSpec:
    name: str
    default: float
    low: float
    high: float
    integer: bool = False
    wrap: bool = False  # angles wrap around instead of clamping
    doc: str = ""
    # what a control drives when its mapping gives no range: the playable span, not the hard limits (None: low..high)
    out: tuple[float, float] | None = None

    @property
    def playable(self) -> tuple[float, float]:
        return self.out if self.out is not None else (float(self.low), float(self.high))


PARAMS: tuple[ParamSpec, ...] = (
    ParamSpec("zoom", 1.0, 0.05, 50.0, doc="magnification; 2 shows half the width", out=(0.25, 8.0)),
    ParamSpec("pan_x", 0.0, -50.0, 50.0, doc="view centre x in garment units (short side spans 2)", out=(-2.0, 2.0)),
    ParamSpec("pan_y", 0.0, -50.0, 50.0, doc="view centre y in garment units, down is positive", out=(-2.0, 2.0)),
    ParamSpec("rotation", 0.0, -180.0, 180.0, wrap=True, doc="view rotation in degrees"),
    ParamSpec("palette", 0, 0, len(PALETTE_NAMES) - 1, integer=True, doc="index into PALETTE_NAMES"),
    ParamSpec("brightness", 0.0, -1.0, 1.0, doc="added after contrast"),
    ParamSpec("contrast", 1.0, 0.0, 4.0, doc="scales around mid grey", out=(0.0, 2.0)),
    ParamSpec("bg_r", 0.0, 0.0, 1.0, doc="background red, shown where the garment is empty"),
    ParamSpec("bg_g", 0.0, 0.0, 1.0, doc="background green"),
    ParamSpec("bg_b", 0.0, 0.0, 1.0, doc="background blue"),
    ParamSpec(
        "background",
        0,
        0,
        len(BACKGROUND_MODES) - 1,
        integer=True,
        doc="background mode: 0 colour (bg_r/g/b), 1 transparent (alpha is the garment's mask; alpha codecs, NDI)",
    ),
    ParamSpec("print_mix", 0.0, 0.0, 1.0, doc="blend from print_a (0) to print_b (1)"),
    ParamSpec(
        "print_a",
        0,
        0,
        MAX_SLOTS - 1,
        integer=True,
        doc="print slot A (print_mix 0): 0 stripes, 1 dots, 2 check (GLSL), 3+ learned prints",
    ),
    ParamSpec("print_b", 3, 0, MAX_SLOTS - 1, integer=True, doc="print slot B (print_mix 1)"),
    ParamSpec("print_opacity", 0.0, 0.0, 1.0, doc="print over the garment: 0 none, 1 full"),
    ParamSpec("print_scale", 1.0, 0.25, 4.0, doc="print size: 2 repeats it twice as often across the garment"),
    ParamSpec("master", 1.0, 0.0, 1.0, doc="output level, last of all: 0 is black (B fades to it and back)"),
    ParamSpec("morph", 0.0, 0.0, 1.0, doc="the morph fader: landmark morph_a (0) to landmark morph_b (1)"),
    ParamSpec("morph_a", 0, 0, 63, integer=True, doc="landmark index at morph 0"),
    ParamSpec("morph_b", 1, 0, 63, integer=True, doc="landmark index at morph 1"),
)
PARAM_SPECS = {spec.name: spec for spec in PARAMS}


def check_param(name: str, value: object) -> float:
    """The value as the parameter stores it, or ValueError naming the allowed range."""
    spec = PARAM_SPECS.get(name)
    if spec is None:
        raise ValueError(f"unknown parameter {name!r}; known: {', '.join(PARAM_SPECS)}")
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise ValueError(f"{name} must be a number in {spec.low}..{spec.high}, got {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{name} must be finite, got {number}")
    if spec.wrap:
        span = spec.high - spec.low
        number = (number - spec.low) % span + spec.low
    number = min(max(number, spec.low), spec.high)
    return float(round(number)) if spec.integer else number


def check_latent(index: int, value: object, latent_dim: int) -> float:
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < latent_dim:
        raise ValueError(f"latent index must be 0..{latent_dim - 1}, got {index!r}")
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise ValueError(f"latent value must be a number in -{LATENT_LIMIT}..{LATENT_LIMIT}, got {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"latent value must be finite, got {number}")
    return min(max(number, -LATENT_LIMIT), LATENT_LIMIT)


@dataclass
class PerformanceState:
    latent_dim: int = 8
    z: np.ndarray = field(default=None)  # type: ignore[assignment]  # float32 [latent_dim]
    params: dict[str, float] = field(default_factory=lambda: {p.name: float(p.default) for p in PARAMS})
    paused: bool = False
    hud: bool = False
    previews: bool = False  # the latent previews beside the HUD (G)
    version: int = 0  # bumped on every change, so consumers can skip work when nothing moved

    def __post_init__(self) -> None:
        if self.z is None:
            self.z = np.zeros(self.latent_dim, dtype=np.float32)
        self.z = np.asarray(self.z, dtype=np.float32).reshape(self.latent_dim).copy()

    def set(self, name: str, value: object) -> float:
        number = check_param(name, value)
        if self.params[name] != number:
            self.params[name] = number
            self.version += 1
        return number

    def get(self, name: str) -> float:
        return self.params[name]

    def set_latent(self, index: int, value: object) -> float:
        number = check_latent(index, value, self.latent_dim)
        if self.z[index] != np.float32(number):
            self.z[index] = number
            self.version += 1
        return number

    def set_z(self, values: object) -> None:
        array = np.asarray(values, dtype=np.float64).reshape(-1)
        if array.shape != (self.latent_dim,):
            raise ValueError(f"z must have {self.latent_dim} values, got {array.shape[0]}")
        for index, value in enumerate(array):
            self.set_latent(index, float(value))

    @property
    def palette_name(self) -> str:
        return PALETTE_NAMES[int(self.params["palette"])]

    def snapshot(self) -> dict:
        return {"z": [float(v) for v in self.z], **self.params}
