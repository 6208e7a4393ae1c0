"""What a video file holds, read back with imageio-ffmpeg (the bundled ffmpeg; no ffprobe needed)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import imageio_ffmpeg


@dataclass(frozen=True)
class VideoInfo:
    size: tuple[int, int]
    fps: float
    codec: str
    frames: int
    seconds: float


def probe(path: str | Path) -> VideoInfo:
    """Size, frame rate and codec from the header; frames counted by decoding (exact, not estimated)."""
    reader = imageio_ffmpeg.read_frames(str(path))
    try:
        meta = next(reader)
    finally:
        reader.close()
    frames, seconds = imageio_ffmpeg.count_frames_and_secs(str(path))
    return VideoInfo(tuple(meta["size"]), float(meta["fps"]), str(meta["codec"]), int(frames), float(seconds))


def read_frames(path: str | Path) -> list[bytes]:
    """Every frame decoded to RGB24 bytes (for tests on small files)."""
    reader = imageio_ffmpeg.read_frames(str(path), pix_fmt="rgb24")
    next(reader)
    return list(reader)
