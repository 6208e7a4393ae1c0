"""The numbers between a controller and a target: data tables plus small pure functions.

Absolute path for one value:  raw -> normalise (input range, clamped to 0..1) -> dead zone -> invert -> curve
-> output range. `Shape.inverse` runs it backwards for feedback (motor faders, TouchOSC). Relative encoders
decode a CC value into signed ticks; 14-bit CC pairs combine an MSB and an LSB; soft takeover and smoothing
keep state between messages, so they are small classes.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass


def normalise(value: float, low: float, high: float) -> float:
    """value in low..high -> 0..1, clamped (low > high reverses the direction)."""
    u = (value - low) / (high - low)
    return min(max(u, 0.0), 1.0)


def dead_zone(u: float, width: float) -> float:
    """A dead zone of `width` (fraction of the half range) around the centre of 0..1: inside it the value is
    the centre; outside, the rest is stretched so both ends are still reached."""
    if width <= 0.0:
        return u
    c = 2.0 * u - 1.0
    if abs(c) <= width:
        return 0.5
    c = math.copysign((abs(c) - width) / (1.0 - width), c)
    return (c + 1.0) / 2.0


def dead_zone_inverse(u: float, width: float) -> float:
    if width <= 0.0:
        return u
    c = 2.0 * u - 1.0
    if c == 0.0:
        return 0.5
    c = math.copysign(abs(c) * (1.0 - width) + width, c)
    return (c + 1.0) / 2.0


def _exp(u: float, k: float) -> float:
    return (2.0 ** (k * u) - 1.0) / (2.0**k - 1.0)


def _exp_inverse(y: float, k: float) -> float:
    return math.log2(1.0 + y * (2.0**k - 1.0)) / k


def _smoothstep(u: float, _k: float) -> float:
    return u * u * (3.0 - 2.0 * u)


def _smoothstep_inverse(y: float, _k: float) -> float:
    return 0.5 - math.sin(math.asin(1.0 - 2.0 * y) / 3.0)


# name -> (forward, inverse) on 0..1 with an amount k (exponential: 2^(k u) - 1 scaled; k = 4 gives 0.5 -> 0.2)
CURVES: dict[str, tuple[Callable[[float, float], float], Callable[[float, float], float]]] = {
    "linear": (lambda u, _k: u, lambda y, _k: y),
    "exponential": (_exp, _exp_inverse),
    "logarithmic": (_exp_inverse, _exp),
    "s-curve": (_smoothstep, _smoothstep_inverse),
}


@dataclass(frozen=True)
class Shape:
    """An absolute mapping from raw input units to output units and back."""

    low: float
    high: float
    out_low: float
    out_high: float
    invert: bool = False
    curve: str = "linear"
    amount: float = 4.0
    deadzone: float = 0.0

    def unit(self, raw: float) -> float:
        """raw -> the shaped 0..1 position (before the output range)."""
        u = dead_zone(normalise(raw, self.low, self.high), self.deadzone)
        if self.invert:
            u = 1.0 - u
        return min(max(CURVES[self.curve][0](u, self.amount), 0.0), 1.0)

    def forward(self, raw: float) -> float:
        return self.out_low + self.unit(raw) * (self.out_high - self.out_low)

    def inverse(self, value: float) -> float:
        """output units -> raw input units (for feedback), clamped to the input range."""
        y = normalise(value, self.out_low, self.out_high)
        u = min(max(CURVES[self.curve][1](y, self.amount), 0.0), 1.0)
        if self.invert:
            u = 1.0 - u
        u = dead_zone_inverse(u, self.deadzone)
        return self.low + u * (self.high - self.low)


# Relative (endless) encoders: a 7-bit CC value -> signed ticks.
def _signed_bit(v: int) -> int:  # sign-magnitude, bit 6 = negative: 1 -> +1, 65 -> -1
    return -(v & 63) if v & 64 else v & 63


def _signed_bit_2(v: int) -> int:  # the other way round: 65 -> +1, 1 -> -1
    return v & 63 if v & 64 else -(v & 63)


def _binary_offset(v: int) -> int:  # 64 is zero: 65 -> +1, 63 -> -1
    return v - 64


def _twos_complement(v: int) -> int:  # 7-bit two's complement: 1 -> +1, 127 -> -1, 64 -> -64
    return v - 128 if v & 64 else v


RELATIVE_ENCODINGS: dict[str, Callable[[int], int]] = {
    "signed-bit": _signed_bit,
    "signed-bit-2": _signed_bit_2,
    "binary-offset": _binary_offset,
    "twos-complement": _twos_complement,
}


def decode_relative(value: int, encoding: str) -> int:
    if not 0 <= value <= 127:
        raise ValueError(f"a relative CC value must be 0..127, got {value}")
    return RELATIVE_ENCODINGS[encoding](int(value))


class Fourteen:
    """A 14-bit CC pair: MSB on CC n, LSB on CC n+32. As the MIDI spec says, a new MSB resets the LSB."""

    __slots__ = ("msb", "lsb")

    def __init__(self) -> None:
        self.msb = 0
        self.lsb = 0

    def feed(self, is_lsb: bool, value: int) -> int:
        if is_lsb:
            self.lsb = int(value) & 127
        else:
            self.msb, self.lsb = int(value) & 127, 0
        return (self.msb << 7) | self.lsb

    @staticmethod
    def split(value: int) -> tuple[int, int]:
        value = min(max(int(round(value)), 0), 16383)
        return value >> 7, value & 127


def smoothing_factor(dt: float, time_constant: float) -> float:
    """How far a one-pole smoother moves toward its goal in dt seconds (1 - e^(-dt/tau))."""
    if time_constant <= 0.0:
        return 1.0
    return 1.0 - math.exp(-max(dt, 0.0) / time_constant)


class Smoother:
    """Follows a goal with a time constant; `step` returns the next value to write, or None when idle."""

    __slots__ = ("time_constant", "goal", "value", "epsilon")

    def __init__(self, time_constant: float, epsilon: float = 1e-4) -> None:
        self.time_constant = time_constant
        self.goal: float | None = None
        self.value: float | None = None
        self.epsilon = epsilon

    def set_goal(self, goal: float, current: float) -> None:
        if self.value is None:
            self.value = current
        self.goal = goal

    def follow(self, current: float) -> None:
        """The target was changed by someone else: continue from there."""
        if self.value is not None:
            self.value = current

    def step(self, dt: float) -> float | None:
        if self.goal is None or self.value is None:
            return None
        self.value += (self.goal - self.value) * smoothing_factor(dt, self.time_constant)
        if abs(self.goal - self.value) <= self.epsilon:
            value, self.goal, self.value = self.goal, None, None
            return value
        return self.value


class SoftTakeover:
    """Pickup: a control that disagrees with the target's current value does nothing until it comes within
    `window` (fraction of the output span) of it or crosses it, unless it moves fast: `fast_move` of its travel
    within `fast_time` seconds takes over at once (0 disables that override)."""

    def __init__(self, window: float = 0.02, fast_move: float = 0.5, fast_time: float = 0.25) -> None:
        self.window, self.fast_move, self.fast_time = window, fast_move, fast_time
        self.engaged = False
        self.last_goal: float | None = None
        self.history: deque[tuple[float, float]] = deque(maxlen=64)

    def release(self) -> None:
        """Someone else set the target: pick it up again before writing."""
        self.engaged = False

    def accept(self, u: float, goal: float, current: float, span: float, now: float) -> bool:
        while self.history and now - self.history[0][0] > self.fast_time:
            self.history.popleft()
        self.history.append((now, u))
        if not self.engaged:
            if abs(goal - current) <= self.window * abs(span):
                self.engaged = True
            elif self.last_goal is not None and (self.last_goal - current) * (goal - current) < 0:
                self.engaged = True  # crossed the current value between two messages
            elif self.fast_move > 0 and max(abs(u - h) for _, h in self.history) >= self.fast_move:
                self.engaged = True
        self.last_goal = goal
        return self.engaged
