"""Every mapping option with numbers worked out by hand."""

import math

import pytest

from performer.controls.transforms import (
    CURVES,
    Fourteen,
    Shape,
    Smoother,
    SoftTakeover,
    dead_zone,
    dead_zone_inverse,
    decode_relative,
    normalise,
    smoothing_factor,
)


def test_normalise_clamps_and_reverses():
    assert normalise(63.5, 0, 127) == 0.5
    assert normalise(-5, 0, 127) == 0.0
    assert normalise(500, 0, 127) == 1.0
    assert normalise(25, 100, 0) == 0.75  # a reversed range


@pytest.mark.parametrize(
    "curve, u, expected",
    [
        ("linear", 0.3, 0.3),
        ("exponential", 0.5, 3 / 15),  # (2^(4*0.5) - 1) / (2^4 - 1)
        ("exponential", 0.25, 1 / 15),  # (2 - 1) / 15
        ("logarithmic", 0.2, 0.5),  # the inverse of the exponential
        ("s-curve", 0.25, 0.15625),  # 3u^2 - 2u^3 = 0.1875 - 0.03125
        ("s-curve", 0.5, 0.5),
    ],
)
def test_curves(curve, u, expected):
    forward, inverse = CURVES[curve]
    assert forward(u, 4.0) == pytest.approx(expected, abs=1e-12)
    assert inverse(expected, 4.0) == pytest.approx(u, abs=1e-12)


def test_dead_zone_around_centre_and_stretched():
    assert dead_zone(0.55, 0.2) == 0.5  # c = 0.1, inside +-0.2
    assert dead_zone(0.8, 0.2) == pytest.approx(0.75)  # c = 0.6 -> (0.6 - 0.2) / 0.8 = 0.5 -> u = 0.75
    assert dead_zone(0.0, 0.2) == 0.0 and dead_zone(1.0, 0.2) == 1.0  # the ends are still reached
    assert dead_zone_inverse(0.75, 0.2) == pytest.approx(0.8)


def test_shape_dead_zone_to_latent_range():
    shape = Shape(0, 100, -3, 3, deadzone=0.1)
    # 60 -> u 0.6 -> c 0.2 -> (0.2 - 0.1) / 0.9 = 0.1111 -> u 0.5556 -> -3 + 0.5556 * 6 = 0.3333
    assert shape.forward(60) == pytest.approx(1 / 3)
    assert shape.forward(52) == 0.0  # c = 0.04: in the dead zone, the centre of the output
    assert shape.inverse(1 / 3) == pytest.approx(60)


def test_shape_invert_and_exponential_zoom():
    inverted = Shape(0, 127, 0, 1, invert=True)
    assert inverted.forward(127) == 0.0 and inverted.forward(0) == 1.0
    zoom = Shape(0, 127, 0.25, 8.0, curve="exponential")
    assert zoom.forward(63.5) == pytest.approx(0.25 + 0.2 * 7.75)  # 1.8
    assert zoom.inverse(1.8) == pytest.approx(63.5)


@pytest.mark.parametrize(
    "encoding, cases",
    [
        ("signed-bit", {1: 1, 63: 63, 65: -1, 127: -63, 64: 0}),
        ("signed-bit-2", {65: 1, 127: 63, 1: -1, 63: -63}),
        ("binary-offset", {65: 1, 63: -1, 64: 0, 0: -64, 127: 63}),
        ("twos-complement", {1: 1, 63: 63, 127: -1, 64: -64, 120: -8}),
    ],
)
def test_relative_encodings(encoding, cases):
    for value, ticks in cases.items():
        assert decode_relative(value, encoding) == ticks, (encoding, value)


def test_relative_rejects_out_of_range():
    with pytest.raises(ValueError, match="0..127"):
        decode_relative(128, "twos-complement")


def test_fourteen_bit_pairs():
    pair = Fourteen()
    assert pair.feed(False, 64) == 8192  # MSB 64, LSB reset to 0
    assert pair.feed(True, 127) == 8319  # 64 * 128 + 127
    assert pair.feed(False, 65) == 8320  # a new MSB resets the LSB
    assert Fourteen.split(8319) == (64, 127)
    assert Fourteen.split(99999) == (127, 127)


def test_smoothing_one_pole():
    assert smoothing_factor(0.1, 0.1) == pytest.approx(1 - math.exp(-1))  # 0.63212
    assert smoothing_factor(0.1, 0.0) == 1.0
    smoother = Smoother(0.1)
    smoother.set_goal(1.0, current=0.0)
    assert smoother.step(0.1) == pytest.approx(0.6321206)
    assert smoother.step(0.1) == pytest.approx(1 - math.exp(-2))  # 0.86466
    for _ in range(200):
        last = smoother.step(0.1)
        if last == 1.0:
            break
    assert last == 1.0 and smoother.step(0.1) is None  # reaches the goal exactly, then idles


def test_soft_takeover_waits_until_near():
    # target at 2.0 on a -3..3 output (span 6, window 0.02 -> 0.12); slow moves far away do nothing
    pickup = SoftTakeover(window=0.02, fast_move=0.5, fast_time=0.25)
    for t, u in ((0.0, 0.1), (1.0, 0.2), (2.0, 0.3)):
        assert not pickup.accept(u, -3 + 6 * u, 2.0, 6.0, t)
    assert pickup.accept(0.83, -3 + 6 * 0.83, 2.0, 6.0, 3.0)  # 1.98: within 0.12 of 2.0
    assert pickup.accept(0.1, -2.4, 2.0, 6.0, 4.0)  # engaged: follows from now on
    pickup.release()
    assert not pickup.accept(0.11, -2.34, 2.0, 6.0, 5.0)


def test_soft_takeover_crossing_and_fast_override():
    crossing = SoftTakeover()
    assert not crossing.accept(0.8, 1.8, 2.0, 6.0, 0.0)
    assert crossing.accept(0.9, 2.4, 2.0, 6.0, 1.0)  # 1.8 -> 2.4 crosses 2.0
    fast = SoftTakeover(fast_move=0.5, fast_time=0.25)
    assert not fast.accept(0.1, -2.4, 2.0, 6.0, 0.0)
    assert fast.accept(0.7, 1.2, 2.0, 6.0, 0.1)  # moved 0.6 of its travel in 0.1 s
    slow = SoftTakeover(fast_move=0.5, fast_time=0.25)
    assert not slow.accept(0.1, -2.4, 2.0, 6.0, 0.0)
    assert not slow.accept(0.7, 1.2, 2.0, 6.0, 0.5)  # the same distance in 0.5 s is not a fast move
