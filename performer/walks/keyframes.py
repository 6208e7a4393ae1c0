"""Keyframe walks: a list of poses with durations, interpolated linearly, spherically or smoothly.

"smooth" is a cubic Hermite spline whose tangents are Catmull-Rom finite differences divided by time, not
by index, so velocity stays continuous across keyframes of different durations. A keyframe that repeats
its neighbour (a hold) gets a zero tangent: the walk eases into and out of a hold instead of overshooting.
A looped walk treats the keyframes as a ring: the last one travels back to the first, so the position
`duration` is exactly the position 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from performer.walks.pose import Pose

INTERPOLATIONS = ("linear", "slerp", "smooth")


def lerp(a: np.ndarray, b: np.ndarray, u: float) -> np.ndarray:
    return a + (b - a) * u


def slerp(a: np.ndarray, b: np.ndarray, u: float) -> np.ndarray:
    """Along the great circle between the directions, with the norm interpolated linearly: keeps the
    typical norm of the Gaussian prior, where a straight line through the middle would shrink it."""
    na, nb = float(np.linalg.norm(a)), float(np.linalg.norm(b))
    if na < 1e-9 or nb < 1e-9:
        return lerp(a, b, u)
    cos = float(np.clip(np.dot(a, b) / (na * nb), -1.0, 1.0))
    omega = math.acos(cos)
    if omega < 1e-6:
        return lerp(a, b, u)
    direction = (math.sin((1 - u) * omega) * a / na + math.sin(u * omega) * b / nb) / math.sin(omega)
    return direction * ((1 - u) * na + u * nb)


def hermite(p0: np.ndarray, p1: np.ndarray, m0: np.ndarray, m1: np.ndarray, h: float, u: float) -> np.ndarray:
    u2, u3 = u * u, u * u * u
    return (2 * u3 - 3 * u2 + 1) * p0 + (u3 - 2 * u2 + u) * h * m0 + (-2 * u3 + 3 * u2) * p1 + (u3 - u2) * h * m1


def smooth_tangents(points: np.ndarray, times: np.ndarray, loop: bool) -> np.ndarray:
    """Catmull-Rom tangents (units per time) at each keyframe; zero at ends of an open walk and at holds."""
    count = len(points)
    tangents = np.zeros_like(points)
    period = times[-1]
    if count < 2:
        return tangents
    for i in range(count):
        if not loop and i in (0, count - 1):
            continue
        prev_i, next_i = (i - 1) % count, (i + 1) % count
        t_prev = times[prev_i] - (period if loop and i == 0 else 0.0)
        t_next = times[next_i] + (period if loop and i == count - 1 else 0.0)
        held = np.array_equal(points[prev_i], points[i]) or np.array_equal(points[next_i], points[i])
        if held or t_next <= t_prev:
            continue
        tangents[i] = (points[next_i] - points[prev_i]) / (t_next - t_prev)
    return tangents


@dataclass(frozen=True)
class Keyframe:
    pose: Pose
    duration: float  # time from this keyframe to the next (ignored for the last one of an open walk)


class KeyframeWalk:
    def __init__(
        self, keyframes: list[Keyframe], interpolation: str = "smooth", loop: bool = False, unit: str = "seconds"
    ) -> None:
        if interpolation not in INTERPOLATIONS:
            raise ValueError(f"interpolation must be one of {INTERPOLATIONS}, got {interpolation!r}")
        if len(keyframes) < 1:
            raise ValueError("a keyframe walk needs at least one keyframe")
        if any(not (k.duration >= 0 and math.isfinite(k.duration)) for k in keyframes):
            raise ValueError("keyframe durations must be finite and >= 0")
        self.keyframes, self.interpolation, self.loop, self.unit = list(keyframes), interpolation, loop, unit
        spans = [k.duration for k in keyframes] if loop else [k.duration for k in keyframes[:-1]]
        self.times = np.concatenate([[0.0], np.cumsum(spans)])  # start of each segment (+ the end)
        self.duration = float(self.times[-1])
        if loop and self.duration <= 0:
            raise ValueError("a looped walk needs a total duration > 0")
        self.points = np.array([k.pose.z for k in keyframes], dtype=np.float64)
        # times has one entry per keyframe, plus the loop's end (its period) when looped
        self.tangents = smooth_tangents(self.points, self.times, loop)
        self.param_tracks = fill_params([k.pose.params for k in keyframes], loop)

    def segment(self, t: float) -> tuple[int, float]:
        """(keyframe index, fraction 0..1 of its segment) at position t."""
        count = len(self.keyframes)
        if count == 1 or self.duration <= 0:
            return 0, 0.0
        if self.loop:
            t = t % self.duration
        elif t >= self.duration:
            return count - 2, 1.0
        t = max(t, 0.0)
        index = int(np.searchsorted(self.times, t, side="right") - 1)
        index = min(index, len(self.times) - 2)
        span = self.times[index + 1] - self.times[index]
        return index, (t - self.times[index]) / span if span > 0 else 1.0

    def sample(self, t: float) -> Pose:
        index, u = self.segment(t)
        count = len(self.keyframes)
        if count == 1:
            return Pose(self.points[0].copy(), {k: v[0] for k, v in self.param_tracks.items()})
        nxt = (index + 1) % count
        a, b = self.points[index], self.points[nxt]
        if self.interpolation == "linear":
            z = lerp(a, b, u)
        elif self.interpolation == "slerp":
            z = slerp(a, b, u)
        else:
            h = self.times[index + 1] - self.times[index]
            z = hermite(a, b, self.tangents[index], self.tangents[nxt], h, u)
        return Pose(
            z,
            {
                name: interpolate_param(name, values[index], values[nxt], u)
                for name, values in self.param_tracks.items()
            },
        )


def fill_params(params: list[dict[str, float]], loop: bool) -> dict[str, list[float]]:
    """Per parameter, a value at every keyframe: a keyframe without it keeps the one before (the ring's
    last one for the first keyframe of a loop, else the next one given)."""
    names = sorted({name for p in params for name in p})
    tracks: dict[str, list[float]] = {}
    for name in names:
        values: list[float | None] = [p.get(name) for p in params]
        given = [v for v in values if v is not None]
        last = given[-1] if loop else given[0]
        filled = []
        for value in values:
            last = value if value is not None else last
            filled.append(float(last))
        tracks[name] = filled
    return tracks


def interpolate_param(name: str, a: float, b: float, u: float) -> float:
    if name == "palette":  # a palette cannot be half of two: it changes half way
        return a if u < 0.5 else b
    if name == "zoom" and a > 0 and b > 0:  # zooming feels even in ratios, not differences
        return float(math.exp(lerp(math.log(a), math.log(b), u)))
    return float(lerp(a, b, u))
