"""Keyframe interpolation: endpoints, continuity, loops that close, holds that hold."""

from __future__ import annotations

import math

import numpy as np
import pytest

from performer.walks.keyframes import Keyframe, KeyframeWalk, hermite, lerp, slerp
from performer.walks.pose import Pose

A = np.array([3.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0])
B = np.array([0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0])
C = np.array([-1.0, -2.0, 1.0, 0.5, 0.0, 0.0, 0.0, 2.0])


def walk(interpolation: str, loop: bool = False, durations=(2.0, 1.0, 3.0)) -> KeyframeWalk:
    points = (A, B, C)
    return KeyframeWalk([Keyframe(Pose(p), d) for p, d in zip(points, durations, strict=True)], interpolation, loop)


def test_slerp_midpoint_follows_the_arc_and_averages_the_norm():
    mid = slerp(A, B, 0.5)
    # directions at 0 and 90 degrees: half way is 45 degrees; norms 3 and 1 average to 2
    assert mid[:2] == pytest.approx([2 / math.sqrt(2), 2 / math.sqrt(2)])
    assert np.allclose(mid[2:], 0)
    assert lerp(A, B, 0.25) == pytest.approx([2.25, 0.25, 0, 0, 0, 0, 0, 0])


@pytest.mark.parametrize("function", [lerp, slerp])
def test_interpolation_endpoints(function):
    assert np.allclose(function(A, C, 0.0), A)
    assert np.allclose(function(A, C, 1.0), C)


def test_hermite_endpoints_and_tangents():
    m0, m1 = np.ones(8), -np.ones(8)
    assert np.allclose(hermite(A, C, m0, m1, 2.0, 0.0), A)
    assert np.allclose(hermite(A, C, m0, m1, 2.0, 1.0), C)
    eps = 1e-6  # d/dt at u=0 is the tangent: dp/du / h
    slope = (hermite(A, C, m0, m1, 2.0, eps) - A) / (eps * 2.0)
    assert np.allclose(slope, m0, atol=1e-4)


@pytest.mark.parametrize("interpolation", ["linear", "slerp", "smooth"])
def test_keyframes_are_hit_at_their_times(interpolation):
    w = walk(interpolation)
    assert w.duration == 3.0  # open walk: the last keyframe's duration is not travelled
    for t, point in ((0.0, A), (2.0, B), (3.0, C), (10.0, C)):
        assert np.allclose(w.sample(t).z, point), (interpolation, t)


@pytest.mark.parametrize("interpolation", ["linear", "slerp", "smooth"])
def test_walk_is_continuous(interpolation):
    w = walk(interpolation, loop=True)
    times = np.arange(0, w.duration * 2, 1e-3)
    z = np.array([w.sample(t).z for t in times])
    steps = np.linalg.norm(np.diff(z, axis=0), axis=1)
    # the fastest segment is C->A: |C-A| = 5.1 over 3 s; a spline may be up to ~2x faster mid-segment
    assert steps.max() < 1e-3 * 2 * np.linalg.norm(C - A) / 1.0


def test_smooth_velocity_is_continuous_at_keyframes():
    w = walk("smooth", loop=True)
    h = 1e-5
    for t in (2.0, 3.0):  # B and C, with segments of different durations either side
        left = (w.sample(t).z - w.sample(t - h).z) / h
        right = (w.sample(t + h).z - w.sample(t).z) / h
        assert np.allclose(left, right, atol=1e-3)


@pytest.mark.parametrize("interpolation", ["linear", "slerp", "smooth"])
def test_loop_closes_exactly(interpolation):
    w = walk(interpolation, loop=True)
    assert w.duration == 6.0  # the last keyframe travels back to the first
    assert np.array_equal(w.sample(w.duration).z, w.sample(0.0).z)
    assert np.allclose(w.sample(w.duration - 1e-6).z, A, atol=1e-4)  # arrives at A continuously


def test_hold_holds_still_and_eases():
    w = KeyframeWalk(
        [Keyframe(Pose(A), 1.0), Keyframe(Pose(A), 2.0), Keyframe(Pose(B), 1.0), Keyframe(Pose(B), 2.0)],
        "smooth",
        loop=True,
    )
    for t in np.linspace(0, 1, 11):
        assert np.array_equal(w.sample(t).z, A)
    eps = 1e-4  # leaves the hold at rest: displacement ~ t^2, far below a linear move's 1e-4 * |B-A| / 2
    assert np.linalg.norm(w.sample(1 + eps).z - A) < 1e-6


def test_params_carry_forward_and_palette_switches_half_way():
    frames = [
        Keyframe(Pose(A, {"palette": 2.0, "zoom": 1.0}), 1.0),
        Keyframe(Pose(B, {}), 1.0),
        Keyframe(Pose(C, {"palette": 5.0, "zoom": 4.0}), 1.0),
    ]
    w = KeyframeWalk(frames, "linear")
    assert w.sample(0.5).params == {"palette": 2.0, "zoom": 1.0}  # B keeps A's values
    assert w.sample(1.4).params["palette"] == 2.0
    assert w.sample(1.6).params["palette"] == 5.0
    assert w.sample(1.5).params["zoom"] == pytest.approx(2.0)  # geometric: half way from 1 to 4 is 2


def test_bad_walks_are_refused():
    with pytest.raises(ValueError, match="interpolation"):
        KeyframeWalk([Keyframe(Pose(A), 1.0)], "cubic")
    with pytest.raises(ValueError, match="duration > 0"):
        KeyframeWalk([Keyframe(Pose(A), 0.0)], "linear", loop=True)
