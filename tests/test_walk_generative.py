"""Generative walks: the noise loop closes bit for bit, the random walk stays in bounds, the orbit is round."""

from __future__ import annotations

import numpy as np
import pytest

from performer.walks.generative import NoiseLoop, Orbit, Perlin2D, RandomWalk, reflect


def test_perlin_is_zero_on_the_lattice_and_smooth():
    noise = Perlin2D(3)
    assert np.allclose(noise(np.array([0.0, 5.0, 17.0]), np.array([0.0, 2.0, 9.0])), 0.0)
    x = np.linspace(0.0, 4.0, 4001)
    values = noise(x, np.full_like(x, 0.37))
    assert np.abs(np.diff(values)).max() < 0.01  # gradient magnitude stays below ~2.5 per cell
    assert values.std() > 0.05  # and it does move


def test_noise_loop_closes_and_stays_near_its_amplitude():
    walk = NoiseLoop(np.zeros(8), radius=1.5, amplitude=1.0, period=16.0, seed=2)
    assert np.array_equal(walk.sample(16.0).z, walk.sample(0.0).z)
    assert np.array_equal(walk.sample(40.0).z, walk.sample(8.0).z)
    zs = np.array([walk.sample(t).z for t in np.linspace(0, 16, 400)])
    assert np.abs(zs).max() <= 1.0 * 1.4 * 0.75  # Perlin 2D is within +-sqrt(0.5) before the gain
    assert zs.std(axis=0).min() > 0.02  # every latent moves


def test_noise_loop_seed_changes_the_path():
    a = NoiseLoop(np.zeros(8), 1.5, 1.0, 16.0, seed=1).sample(3.0).z
    b = NoiseLoop(np.zeros(8), 1.5, 1.0, 16.0, seed=1).sample(3.0).z
    c = NoiseLoop(np.zeros(8), 1.5, 1.0, 16.0, seed=2).sample(3.0).z
    assert np.array_equal(a, b) and not np.allclose(a, c)


def test_reflect_folds_into_the_box():
    # 5.5 is 3 past 2.5: it bounces back to -0.5
    assert reflect(np.array([2.6, -2.7, 1.0, 5.5]), 2.5) == pytest.approx([2.4, -2.3, 1.0, -0.5])


def test_random_walk_is_bounded_deterministic_and_smooth():
    walk = RandomWalk(np.zeros(8), step=1.0, size=2.0, bound=2.5, seed=5)
    times = np.arange(0, 60, 0.01)
    zs = np.array([walk.sample(t).z for t in times])
    assert np.abs(zs).max() <= 2.5
    assert zs.std() > 0.5
    assert np.linalg.norm(np.diff(zs, axis=0), axis=1).max() < 0.2
    again = RandomWalk(np.zeros(8), step=1.0, size=2.0, bound=2.5, seed=5)
    assert np.array_equal(again.sample(33.3).z, walk.sample(33.3).z)  # drawn in order, pure in t


def test_orbit_starts_at_its_centre_and_stays_on_the_circle():
    center = np.arange(8, dtype=float) * 0.1
    orbit = Orbit(center, (0, 3), radius=1.5, period=8.0)
    assert np.allclose(orbit.sample(0.0).z, center)
    assert np.array_equal(orbit.sample(8.0).z, orbit.sample(0.0).z)
    for t in np.linspace(0, 8, 33):
        z = orbit.sample(t).z
        ring_centre = np.array([center[0] - 1.5, center[3]])
        assert np.hypot(*(np.array([z[0], z[3]]) - ring_centre)) == pytest.approx(1.5)
        assert np.allclose(np.delete(z, [0, 3]), np.delete(center, [0, 3]))
    assert orbit.sample(4.0).z[0] == pytest.approx(center[0] - 3.0)  # half a turn: the far side
