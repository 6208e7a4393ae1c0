"""presets/walks/*.yaml: one walk per file, its `kind` choosing the fields. Unknown keys are errors, and
every error names the file and the key.

    kind: keyframes | noise | random | orbit | tour
    unit: seconds | beats          durations and periods in seconds, or in beats at the live tempo
    bpm: 120                       the tempo for beats when nothing else sets it (offline renders)
    seed: 0                        generative walks (the same file and seed give the same frames)

A point (a keyframe, a centre, a start) is either `landmark: NAME` or `z: [..]`, optionally with palette,
zoom and print parameters that override the landmark's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from performer.paths import WALK_DIR as WALK_DIR  # the old place of a shipped path: still importable
from performer.presets.landmarks import Landmark, find_landmark, read_yaml
from performer.state import PARAM_SPECS
from performer.walks.generative import NoiseLoop, Orbit, RandomWalk
from performer.walks.keyframes import Keyframe, KeyframeWalk
from performer.walks.pose import PRINT_PARAMS, Pose, palette_index
from performer.walks.tempo import BPM_RANGE


class WalkError(Exception):
    """A walk file that cannot be used; the message names the file and the key."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Point(Strict):
    landmark: str | None = None
    z: list[float] | None = None
    palette: str | None = None
    zoom: float | None = Field(default=None, gt=0, le=50)
    print_a: float | None = Field(default=None, ge=0, le=PARAM_SPECS["print_a"].high)
    print_b: float | None = Field(default=None, ge=0, le=PARAM_SPECS["print_b"].high)
    print_mix: float | None = Field(default=None, ge=0, le=1)
    print_opacity: float | None = Field(default=None, ge=0, le=1)
    print_scale: float | None = Field(
        default=None, ge=PARAM_SPECS["print_scale"].low, le=PARAM_SPECS["print_scale"].high
    )

    @model_validator(mode="after")
    def _one_source(self) -> Point:
        if (self.landmark is None) == (self.z is None):
            raise ValueError("give exactly one of `landmark: NAME` or `z: [..]`")
        return self


class KeyframePoint(Point):
    duration: float = Field(ge=0, le=3600, description="time to the next keyframe, in the walk's unit")


class WalkBase(Strict):
    name: str = ""
    unit: Literal["seconds", "beats"] = "seconds"
    bpm: float = Field(default=120.0, ge=BPM_RANGE[0], le=BPM_RANGE[1])
    seed: int = Field(default=0, ge=0)


class KeyframesSpec(WalkBase):
    kind: Literal["keyframes"]
    interpolation: Literal["linear", "slerp", "smooth"] = "smooth"
    loop: bool = False
    keyframes: list[KeyframePoint] = Field(min_length=1)


class NoiseSpec(WalkBase):
    kind: Literal["noise"]
    center: Point = Field(default_factory=lambda: Point(z=[0.0] * 8))
    radius: float = Field(default=1.5, gt=0, le=64, description="circle radius in noise cells")
    amplitude: float = Field(default=1.5, ge=0, le=4)
    period: float = Field(default=16.0, gt=0, le=3600)


class RandomSpec(WalkBase):
    kind: Literal["random"]
    start: Point = Field(default_factory=lambda: Point(z=[0.0] * 8))
    step: float = Field(default=2.0, gt=0, le=600)
    size: float = Field(default=0.8, ge=0, le=4)
    bound: float = Field(default=2.5, gt=0, le=4)


class OrbitSpec(WalkBase):
    kind: Literal["orbit"]
    center: Point
    latents: tuple[int, int] = Field(description="two latents, 1-based as on the faders")
    radius: float = Field(default=1.5, gt=0, le=4)
    period: float = Field(default=8.0, gt=0, le=3600)


class TourSpec(WalkBase):
    kind: Literal["tour"]
    interpolation: Literal["linear", "slerp", "smooth"] = "smooth"
    hold: float = Field(default=1.0, ge=0, le=600)
    travel: float = Field(default=2.0, gt=0, le=600)
    only: list[str] | None = None  # landmark names, in order; default: all of them


WalkSpec = Annotated[KeyframesSpec | NoiseSpec | RandomSpec | OrbitSpec | TourSpec, Field(discriminator="kind")]


class WalkFile(BaseModel):
    walk: WalkSpec


def error_lines(path: Path, exc: ValidationError) -> str:
    lines = []
    for error in exc.errors():
        loc = [str(x) for x in error["loc"][1:]]  # drop the wrapper's "walk"
        if len(loc) >= 1 and loc[0] in ("keyframes", "noise", "random", "orbit", "tour"):
            loc = loc[1:]  # the union's branch name repeats `kind`
        key = "".join(f"[{p}]" if p.isdigit() else (f".{p}" if i else p) for i, p in enumerate(loc))
        key = key or ("kind" if error["type"].startswith("union_tag") else "(top)")
        lines.append(f"{path}: {key}: {error['msg']}")
    return "\n".join(lines)


def parse_walk(path: str | Path) -> WalkSpec:
    path = Path(path)
    data = read_yaml(path, WalkError, "walk")
    if not isinstance(data, dict):
        raise WalkError(f"{path}: a walk file is a mapping with `kind:` and its fields")
    if "kind" not in data:
        raise WalkError(f"{path}: kind: missing; one of keyframes, noise, random, orbit, tour")
    try:
        spec = WalkFile.model_validate({"walk": data}).walk
    except ValidationError as exc:
        raise WalkError(error_lines(path, exc)) from None
    return spec.model_copy(update={"name": spec.name or path.stem})


def resolve(point: Point, landmarks: list[Landmark], latent_dim: int, where: str) -> Pose:
    if point.landmark is not None:
        try:
            base = find_landmark(landmarks, point.landmark).pose()
        except KeyError as exc:
            raise WalkError(f"{where}.landmark: {exc.args[0]}") from None
    else:
        base = Pose(np.array(point.z, dtype=np.float64), {})
    if len(base.z) != latent_dim:
        raise WalkError(f"{where}.z: has {len(base.z)} values, the model has {latent_dim} latents")
    params = dict(base.params)
    try:
        if point.palette is not None:
            params["palette"] = float(palette_index(point.palette))
    except ValueError as exc:
        raise WalkError(f"{where}.palette: {exc}") from None
    if point.zoom is not None:
        params["zoom"] = point.zoom
    params.update({k: getattr(point, k) for k in PRINT_PARAMS if getattr(point, k) is not None})
    return Pose(base.z, params)


def build_walk(
    spec: WalkSpec, landmarks: list[Landmark], latent_dim: int = 8, source: str = "walk", seed: int | None = None
):
    """The walk object for a parsed file; `seed` overrides the file's."""
    seed = spec.seed if seed is None else seed
    unit = spec.unit
    if isinstance(spec, KeyframesSpec):
        frames = [
            Keyframe(resolve(k, landmarks, latent_dim, f"{source}: keyframes[{i}]"), k.duration)
            for i, k in enumerate(spec.keyframes)
        ]
        try:
            return KeyframeWalk(frames, spec.interpolation, spec.loop, unit)
        except ValueError as exc:
            raise WalkError(f"{source}: keyframes: {exc}") from None
    if isinstance(spec, NoiseSpec):
        center = resolve(spec.center, landmarks, latent_dim, f"{source}: center")
        return NoiseLoop(center.z, spec.radius, spec.amplitude, spec.period, seed, unit, center.params)
    if isinstance(spec, RandomSpec):
        start = resolve(spec.start, landmarks, latent_dim, f"{source}: start")
        return RandomWalk(start.z, spec.step, spec.size, spec.bound, seed, unit, start.params)
    if isinstance(spec, OrbitSpec):
        center = resolve(spec.center, landmarks, latent_dim, f"{source}: center")
        i, j = spec.latents
        if not (1 <= i <= latent_dim and 1 <= j <= latent_dim) or i == j:
            raise WalkError(f"{source}: latents: two different latents in 1..{latent_dim}, got {[i, j]}")
        return Orbit(center.z, (i - 1, j - 1), spec.radius, spec.period, unit, center.params)
    return build_tour(spec, landmarks, latent_dim, source)


def build_tour(spec: TourSpec, landmarks: list[Landmark], latent_dim: int, source: str) -> KeyframeWalk:
    """Every landmark in turn (or those in `only`): arrive, hold, travel to the next; loops back to the first."""
    try:
        chosen = [find_landmark(landmarks, name) for name in spec.only] if spec.only else list(landmarks)
    except KeyError as exc:
        raise WalkError(f"{source}: only: {exc.args[0]}") from None
    if not chosen:
        raise WalkError(f"{source}: a tour needs landmarks, and the landmarks file has none")
    frames = []
    for lm in chosen:
        if len(lm.z) != latent_dim:
            raise WalkError(f"{source}: landmark {lm.name!r} has {len(lm.z)} values, the model has {latent_dim}")
        if spec.hold > 0:
            frames.append(Keyframe(lm.pose(), spec.hold))
        frames.append(Keyframe(lm.pose(), spec.travel))
    return KeyframeWalk(frames, spec.interpolation, loop=True, unit=spec.unit)


def load_walk(path: str | Path, landmarks: list[Landmark], latent_dim: int = 8, seed: int | None = None):
    """Parse and build in one step; returns (spec, walk)."""
    spec = parse_walk(path)
    return spec, build_walk(spec, landmarks, latent_dim, str(path), seed)
