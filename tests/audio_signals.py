"""Synthetic songs for the audio tests, made here so every number they are checked against is known."""

from __future__ import annotations

import numpy as np

RATE = 48000


def click_track(bpm: float, seconds: float, rate: int = RATE) -> np.ndarray:
    """A 60 Hz-ish kick (a falling sine, 30 ms) on every beat from t = 0."""
    x = np.zeros(int(seconds * rate), np.float32)
    n = int(0.03 * rate)
    t = np.arange(n) / rate
    kick = np.sin(2 * np.pi * (60 + 200 * np.exp(-t * 60)) * t) * np.exp(-t * 50) * 0.8
    for k in range(int(seconds * bpm / 60) + 1):
        start = int(round(k * 60 / bpm * rate))
        if start + n <= len(x):
            x[start : start + n] += kick
    return x


def burst_envelope(t: np.ndarray, every: float = 2.0, first: float = 0.5, length: float = 0.4) -> np.ndarray:
    """0..1: a Hann-shaped burst `length` s long starting at `first` and every `every` s after."""
    u = ((t - first) % every) / length
    on = (t >= first) & (u < 1.0)
    return np.where(on, np.sin(np.pi * np.clip(u, 0, 1)) ** 2, 0.0)


def tone_bursts(seconds: float, rate: int = RATE, amplitude: float = 0.5, hz: float = 1000.0) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (amplitude * burst_envelope(t) * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def correlation(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(np.asarray(a, float), np.asarray(b, float))[0, 1])
