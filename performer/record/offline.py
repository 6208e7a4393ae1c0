"""Offline rendering of a walk to a video: headless, frame-exact, the same frames for the same walk and seed.

Frame k shows the walk at a position worked out from k alone (never from a clock), so a render can be
repeated, split or resumed and gives the same pictures. A looping walk renders exactly one loop, with
its N frames spread over the loop so that frame N would be frame 0 again: the video loops seamlessly.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import secrets
import shutil
import signal
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import numpy as np

from performer.state import PerformanceState
from performer.walks.pose import apply_pose
from performer.walks.tempo import beats_to_seconds, seconds_to_beats


def walk_seconds(walk, bpm: float) -> float:
    return beats_to_seconds(walk.duration, bpm) if walk.unit == "beats" else float(walk.duration)


def frame_positions(walk, fps: float, bpm: float, duration: float | None = None) -> np.ndarray:
    """Walk positions (in the walk's unit) of every frame. `duration` in seconds overrides the walk's own."""
    if duration is None:
        if math.isinf(walk.duration):
            raise ValueError("this walk never ends: give --duration SECONDS")
        seconds = walk_seconds(walk, bpm)
        if walk.loop:
            count = max(1, round(seconds * fps))
            return np.arange(count) * (walk.duration / count)  # frame `count` would be frame 0
        count = round(seconds * fps) + 1  # an open walk shows its last keyframe too
    else:
        if not duration > 0:
            raise ValueError(f"duration must be > 0 seconds, got {duration}")
        count = max(1, round(duration * fps))
    seconds = np.arange(count) / fps
    return seconds_to_beats(seconds, bpm) if walk.unit == "beats" else seconds


def render_frames(
    renderer,
    walk,
    positions: np.ndarray,
    size: tuple[int, int],
    latent_dim: int,
    base: PerformanceState | None = None,
    components: int = 3,
) -> Iterator[bytes]:
    """RGB24 frames (RGBA with `components` 4, for an alpha codec), top row first, one per position. A print
    source on the renderer (immediate_prints) is prepared before each frame, so the learned print is the one
    of that frame's latent."""
    state = base if base is not None else PerformanceState(latent_dim=latent_dim)
    for position in positions:
        apply_pose(state, walk.sample(float(position)))
        renderer.prepare(state)
        target = renderer.render(state, size)
        # Raw rows bottom first, flipped here: the bytes hashed are exactly the picture that is encoded.
        raw = target.framebuffer.read(components=components, alignment=1)
        yield np.frombuffer(raw, dtype=np.uint8).reshape(size[1], size[0], components)[::-1].tobytes()


def check_sequence_folder(path: Path) -> None:
    """A png sequence goes to a new or empty folder: ValueError (one line) for a file or a folder with files
    in it, found before the first frame; frames of another render are never mixed in or removed."""
    if path.is_dir() and any(path.iterdir()):
        raise ValueError(f"--out {path} is a folder with files in it; give a new or empty folder for a png sequence")
    if path.exists() and not path.is_dir():
        raise ValueError(f"--out {path} is a file; a png sequence is written to a folder")


@contextlib.contextmanager
def atomic_folder(path: str | Path) -> Iterator[Path]:
    """A new temporary folder beside `path` for a png sequence, renamed to `path` (new or empty) on a clean
    exit: `path` only ever holds a finished render. On any exception the folder and its frames are removed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{secrets.token_hex(4)}.partial"
    tmp.mkdir()
    try:
        yield tmp
        os.replace(tmp, path)  # rename(2) replaces an empty folder (check_sequence_folder), never a full one
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def frame_hash(frame: bytes) -> str:
    return hashlib.sha256(frame).hexdigest()


def write_video(
    frames: Iterable[bytes],
    writer,
    on_frame: Callable[[int, bytes], None] | None = None,
    stop: Callable[[], bool] | None = None,
) -> int:
    """Hand frames to the writer until they run out or `stop()` is true; returns how many were written.
    `stop` is asked before each frame is rendered, so a stop request costs at most the frame in hand."""
    count = 0
    frames = iter(frames)
    while stop is None or not stop():
        frame = next(frames, None)
        if frame is None:
            break
        writer.write(frame)
        if on_frame is not None:
            on_frame(count, frame)
        count += 1
    return count


class StopRequest:
    """While active, SIGINT (Ctrl-C) and SIGTERM set a flag instead of raising KeyboardInterrupt in the
    middle of a frame: the render loop asks `stop()` between frames and finishes the file. The previous
    handlers come back on exit. Main thread only (where Python runs signal handlers)."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self) -> None:
        self.received: int | None = None
        self._previous: dict[int, object] = {}

    def __enter__(self) -> StopRequest:
        for number in self.SIGNALS:
            self._previous[number] = signal.signal(number, self._handle)
        return self

    def _handle(self, number: int, _frame) -> None:
        self.received = number

    def __call__(self) -> bool:
        return self.received is not None

    def __exit__(self, *exc_info) -> None:
        for number, handler in self._previous.items():
            signal.signal(number, handler)
