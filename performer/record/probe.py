"""What a video file holds, read back with imageio-ffmpeg (the bundled ffmpeg; no ffprobe needed)."""

from __future__ import annotations

import struct
from collections.abc import Iterator
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


CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"moof", b"traf"}
MAX_INDEX_BYTES = 64 * 1024 * 1024  # a moov or moof larger than this is not one of ours


def _boxes(data: bytes) -> Iterator[tuple[bytes, bytes]]:
    at = 0
    while at + 8 <= len(data):
        size, kind = struct.unpack_from(">I4s", data, at)
        head = 8
        if size == 1:
            (size,) = struct.unpack_from(">Q", data, at + 8)
            head = 16
        elif size == 0:
            size = len(data) - at
        if size < head:
            return
        yield kind, data[at + head : at + size]
        at += size


def _handler(trak: bytes) -> bytes | None:
    """A track's handler type (b"vide" for video) from trak/mdia/hdlr: version+flags, pre_defined, type."""
    for kind, body in _boxes(trak):
        if kind == b"mdia":
            for inner, hdlr in _boxes(body):
                if inner == b"hdlr" and len(hdlr) >= 12:
                    return hdlr[8:12]
    return None


def _count_samples(kind: bytes, body: bytes) -> int:
    if kind in (b"stsz", b"trun") and len(body) >= 12:  # version+flags, then sample_size (stsz) and count
        return struct.unpack_from(">I", body, 8 if kind == b"stsz" else 4)[0]
    if kind in CONTAINERS:
        if kind == b"trak" and _handler(body) not in (b"vide", None):
            return 0  # an audio or data track
        return sum(_count_samples(k, b) for k, b in _boxes(body))
    return 0


def container_frames(path: str | Path) -> int:
    """The frame count an mp4/mov file's own index states (what ffprobe reports as nb_frames): the video
    track's sample table (stsz), plus the samples of every movie fragment (trun) in a fragmented file.
    Only the top-level box headers and the index boxes are read, never the frames."""
    total = 0
    with open(path, "rb") as handle:
        while header := handle.read(8):
            if len(header) < 8:
                break
            size, kind = struct.unpack(">I4s", header)
            head = 8
            if size == 1:
                (size,) = struct.unpack(">Q", handle.read(8))
                head = 16
            if kind in (b"moov", b"moof") and head <= size <= MAX_INDEX_BYTES:
                total += _count_samples(kind, handle.read(size - head))
            elif size == 0:
                break
            elif size < head:
                raise ValueError(f"{path}: broken box {kind!r} of {size} bytes")
            else:
                handle.seek(size - head, 1)
    return total
