"""Generative walks: each is a pure function of its position t, so offline renders are frame-exact and a
live walk can be scrubbed or restarted.

- NoiseLoop: 2D gradient (Perlin) noise sampled on a circle, one circle per latent at its own place in the
  noise plane. The circle closes, so the walk loops perfectly; `radius` (in noise cells) sets how much
  happens per loop, `amplitude` (latent units) how far from the centre it goes, `period` how long a loop is.
- RandomWalk: Gaussian steps every `step` time units, reflected at +-bound so it stays where the model
  was trained, joined by a smooth spline. Steps are drawn from the seed as needed; never loops.
- Orbit: a circle in the plane of two latents that starts and ends at `center` (say a landmark).
"""

from __future__ import annotations

import math

import numpy as np

from performer.walks.keyframes import hermite
from performer.walks.pose import Pose

NOISE_GAIN = 1.4  # 2D Perlin noise stays within about +-0.7: this brings it to about +-1


class Perlin2D:
    """Classic gradient noise with a seeded permutation; value 0 at integer lattice points."""

    def __init__(self, seed: int) -> None:
        rng = np.random.default_rng(seed)
        perm = rng.permutation(256)
        self.perm = np.concatenate([perm, perm])
        angles = rng.uniform(0, 2 * math.pi, 256)
        self.gradients = np.stack([np.cos(angles), np.sin(angles)], axis=1)

    def __call__(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
        x0, y0 = np.floor(x), np.floor(y)
        fx, fy = x - x0, y - y0
        xi, yi = x0.astype(np.int64) & 255, y0.astype(np.int64) & 255

        def corner(dx: int, dy: int) -> np.ndarray:
            g = self.gradients[self.perm[self.perm[xi + dx] + ((yi + dy) & 255)]]
            return g[..., 0] * (fx - dx) + g[..., 1] * (fy - dy)

        def fade(t: np.ndarray) -> np.ndarray:  # 6t^5 - 15t^4 + 10t^3: C2 across cells
            return t * t * t * (t * (t * 6 - 15) + 10)

        u, v = fade(fx), fade(fy)
        bottom = corner(0, 0) + u * (corner(1, 0) - corner(0, 0))
        top = corner(0, 1) + u * (corner(1, 1) - corner(0, 1))
        return bottom + v * (top - bottom)


class NoiseLoop:
    loop = True

    def __init__(
        self,
        center: np.ndarray,
        radius: float,
        amplitude: float,
        period: float,
        seed: int,
        unit: str = "seconds",
        params: dict[str, float] | None = None,
    ) -> None:
        if not period > 0:
            raise ValueError(f"noise period must be > 0, got {period}")
        self.center = np.asarray(center, dtype=np.float64)
        self.radius, self.amplitude, self.period, self.unit = radius, amplitude, period, unit
        self.duration = float(period)
        self.noise = Perlin2D(seed)
        rng = np.random.default_rng(seed + 1)
        # Circle centres far apart in the noise plane, so the latents move independently.
        self.origins = rng.uniform(16.0, 240.0, size=(len(self.center), 2))
        self.params = dict(params or {})

    def sample(self, t: float) -> Pose:
        phase = (t / self.period) % 1.0  # exactly 0 again at t = period: the loop closes bit for bit
        angle = 2 * math.pi * phase
        x = self.origins[:, 0] + self.radius * math.cos(angle)
        y = self.origins[:, 1] + self.radius * math.sin(angle)
        return Pose(self.center + self.amplitude * NOISE_GAIN * self.noise(x, y), dict(self.params))


def reflect(values: np.ndarray, bound: float) -> np.ndarray:
    """Fold values into [-bound, bound] as a ball bouncing off walls (keeps the step's size)."""
    span = 4 * bound
    folded = np.mod(values + bound, span)
    return np.where(folded > 2 * bound, span - folded, folded) - bound


class RandomWalk:
    loop = False
    duration = math.inf

    def __init__(
        self,
        start: np.ndarray,
        step: float,
        size: float,
        bound: float,
        seed: int,
        unit: str = "seconds",
        params: dict[str, float] | None = None,
    ) -> None:
        if not step > 0:
            raise ValueError(f"random walk step must be > 0, got {step}")
        if not bound > 0:
            raise ValueError(f"random walk bound must be > 0, got {bound}")
        self.step, self.size, self.bound, self.unit = step, size, bound, unit
        self.rng = np.random.default_rng(seed)
        self.points = [np.clip(np.asarray(start, dtype=np.float64), -bound, bound)]
        self.params = dict(params or {})

    def _point(self, index: int) -> np.ndarray:
        while len(self.points) <= index:  # drawn in order, so the path depends on the seed only
            draw = self.rng.standard_normal(len(self.points[0])) * self.size
            self.points.append(reflect(self.points[-1] + draw, self.bound))
        return self.points[index]

    def sample(self, t: float) -> Pose:
        t = max(t, 0.0)
        index = int(t // self.step)
        u = t / self.step - index
        p = [self._point(max(index + k, 0)) for k in (-1, 0, 1, 2)]
        m1, m2 = (p[2] - p[0]) / (2 * self.step), (p[3] - p[1]) / (2 * self.step)
        if index == 0:
            m1 = np.zeros_like(m1)  # start at rest
        # A cubic between points inside the box can bulge out a little: clip to the box.
        z = np.clip(hermite(p[1], p[2], m1, m2, self.step, u), -self.bound, self.bound)
        return Pose(z, dict(self.params))


class Orbit:
    loop = True

    def __init__(
        self,
        center: np.ndarray,
        latents: tuple[int, int],
        radius: float,
        period: float,
        unit: str = "seconds",
        params: dict[str, float] | None = None,
    ) -> None:
        if not period > 0:
            raise ValueError(f"orbit period must be > 0, got {period}")
        self.center = np.asarray(center, dtype=np.float64)
        self.latents, self.radius, self.period, self.unit = latents, radius, period, unit
        self.duration = float(period)
        self.params = dict(params or {})

    def sample(self, t: float) -> Pose:
        angle = 2 * math.pi * ((t / self.period) % 1.0)
        z = self.center.copy()
        i, j = self.latents
        z[i] += self.radius * math.cos(angle) - self.radius  # starts at the centre's own point
        z[j] += self.radius * math.sin(angle)
        return Pose(z, dict(self.params))
