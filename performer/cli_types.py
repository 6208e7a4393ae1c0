"""Argument types the commands share: each turns a word from the command line into a checked value or says in
one line what was wrong (argparse prints it with the usage)."""

from __future__ import annotations

import argparse

MAX_SIDE = 16384


def parse_size(text: str) -> tuple[int, int]:
    """'640x360' -> (640, 360); 'N' -> (N, N)."""
    width, _, height = text.lower().partition("x")
    try:
        size = int(width), int(height or width)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"size must be N or WxH, got {text!r}") from exc
    if not all(1 <= v <= MAX_SIDE for v in size):
        raise argparse.ArgumentTypeError(f"size must be 1..{MAX_SIDE} on each side, got {text!r}")
    return size


def parse_fps(text: str) -> float:
    try:
        fps = float(text)
    except ValueError:
        fps = float("nan")
    if not 1 <= fps <= 1000:
        raise argparse.ArgumentTypeError(f"fps must be a number in 1..1000, got {text!r}")
    return fps
