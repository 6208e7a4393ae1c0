"""What a video file holds, read back with imageio-ffmpeg (the bundled ffmpeg; no ffprobe needed). A png
sequence's folder is read as its numbered frames."""

from __future__ import annotations

import re
import struct
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import imageio_ffmpeg

SEQUENCE_FRAMES = "%06d.png"  # the frames of a png sequence in its folder (writer.py names them so)


@dataclass(frozen=True)
class VideoInfo:
    size: tuple[int, int]
    fps: float
    codec: str
    frames: int
    seconds: float


def video_input(path: str | Path) -> str:
    """What ffmpeg opens for `path`: the file itself, or a png sequence folder's numbered frames."""
    return str(Path(path) / SEQUENCE_FRAMES) if Path(path).is_dir() else str(path)


def probe(path: str | Path) -> VideoInfo:
    """Size, frame rate and codec from the header; frames counted by decoding (exact, not estimated). A png
    sequence stores no rate: ffmpeg reads it at 25 frames a second unless told otherwise."""
    reader = imageio_ffmpeg.read_frames(video_input(path))
    try:
        meta = next(reader)
    finally:
        reader.close()
    frames, seconds = imageio_ffmpeg.count_frames_and_secs(video_input(path))
    codec = str(meta["codec"]).rstrip(",")  # imageio keeps the comma of "Video: png, rgba(...)"
    return VideoInfo(tuple(meta["size"]), float(meta["fps"]), codec, int(frames), float(seconds))


def read_frames(path: str | Path, pix_fmt: str = "rgb24") -> list[bytes]:
    """Every frame decoded to `pix_fmt` bytes (rgb24; rgba for alpha), top row first (for tests on small files)."""
    reader = imageio_ffmpeg.read_frames(video_input(path), pix_fmt=pix_fmt, bpp=4 if pix_fmt == "rgba" else 3)
    next(reader)
    return list(reader)


def _top_level_parts(text: str) -> list[str]:
    """`text` split at the commas outside parentheses: "hap (Hap5 / 0x..), rgba, 64x36" -> 3 parts."""
    parts, depth, start = [], 0, 0
    for at, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(text[start:at].strip())
            start = at + 1
    return [*parts, text[start:].strip()]


def pixel_format(path: str | Path) -> str:
    """The video stream's pixel format as ffprobe reports it (its pix_fmt: rgba, yuva444p12le, ...), from the
    stream line of the bundled ffmpeg, which describes the same decoder parameters ffprobe prints."""
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", video_input(path)]
    said = subprocess.run(command, capture_output=True, text=True, timeout=60).stderr
    match = re.search(r"Stream #\d+:\d+.*?: Video: (.*)", said)
    if match is None:
        raise ValueError(f"{path}: no video stream ({said.strip().splitlines()[-1:] or 'no message'})")
    parts = _top_level_parts(match.group(1))
    if len(parts) < 2:
        raise ValueError(f"{path}: no pixel format in {match.group(0)!r}")
    return parts[1].split("(")[0].strip()


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


def frames_kept(path: str | Path) -> int:
    """Frames a recording holds on disk: a png sequence's whole frames (ffmpeg's temporary files are not), or
    the count a video file's index states (container_frames)."""
    folder = Path(path)
    if folder.is_dir():
        return sum(1 for frame in folder.iterdir() if re.fullmatch(r"\d{6}\.png", frame.name))
    return container_frames(folder)
