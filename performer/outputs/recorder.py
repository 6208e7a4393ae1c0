"""The live recorder: an output of the app loop that never blocks it.

    render loop (GL thread)                                   encoder thread
    frame(frame) -> the shared readback (PBOs)  --queue-->  FfmpegWriter (ffmpeg process)
                    pixels(data, repeat)          (bounded: `queue_frames`)

Timing: the video has a constant `fps`; each frame works out from `frame.now` how many video frames are
due since the recording started and asks the readback for the current frame with that repeat count. A loop
slower than `fps` repeats frames, a faster one skips them, so the video lasts as long as the performance did.

When the encoder falls behind and the queue is full, the frame is dropped (counted in `dropped`) and its
slots go to the next frame that fits, as repeats: timing stays right, memory stays bounded, and the drop
shows as a stutter and a number, never as a growing queue.

Faults: if ffmpeg dies or the disk fills, the encoder thread records the error and stops; the next frame
sees it, ends the recording, and the loop plays on. The file is fragmented mp4/mov, so the part written
plays (a file with no frame at all is removed). `status_line()` says what is happening for a HUD or a
title bar, in one line: the file, why, and how much of it is kept.

Alpha codecs (hap_alpha, prores_4444, png) read RGBA from the readback, the others RGB (a quarter less to
copy). A png recording is a folder, DIRECTORY/performer-DATE-TIME/, of numbered PNGs each renamed into place
whole: a fault keeps every frame finished before it.
"""

from __future__ import annotations

import contextlib
import logging
import math
import queue
import struct
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from performer.outputs.base import CaptureOutput, Frame
from performer.record.codecs import check_codec, check_size
from performer.record.probe import frames_kept
from performer.record.writer import FfmpegWriter, RecordError

log = logging.getLogger(__name__)

ERROR_SHOWN_FOR = 10.0  # seconds a failure stays in the status line


@dataclass(eq=False)
class Recording:
    path: Path
    size: tuple[int, int]
    start: float
    queue: queue.Queue = field(default_factory=lambda: queue.Queue())
    due: int = 0  # video frames owed so far
    sent: int = 0  # video frames handed to the queue (repeats included)
    dropped: int = 0  # video frames whose picture was dropped because the queue was full
    carry: int = 0  # slots of dropped frames, given to the next frame that fits
    written: int = 0  # frames ffmpeg accepted (encoder thread)
    error: str | None = None  # encoder thread
    finished: threading.Event = field(default_factory=threading.Event)
    stopping: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None
    flushing: bool = False  # stopping: its last frames are handed over, waiting for room if need be
    writer: FfmpegWriter | None = None  # encoder thread; kept so a status or a test can reach ffmpeg
    reported: bool = False


def failure_line(path: Path, exc: Exception) -> str:
    """What the HUD says about a recording that failed: the file, why, and what of it is kept. A file that
    holds no frame (the disk was full from the start) is removed rather than left as an unplayable stub (a png
    sequence's folder only when it is empty)."""
    reason = getattr(exc, "reason", None) or (exc.strerror if isinstance(exc, OSError) else None) or str(exc)
    try:
        frames = frames_kept(path) if path.exists() else 0
    except (OSError, ValueError, struct.error):
        return f"{path}: {reason}"
    if frames:
        return f"{path}: {reason} (the first {frames} frames are kept)"
    with contextlib.suppress(OSError):
        if path.is_dir():
            path.rmdir()
        else:
            path.unlink()
    return f"{path}: {reason} (nothing recorded)"


QUEUE_BYTES = 128 << 20  # what the encoder queue may hold when it falls behind
QUEUE_FRAMES = (8, 120)  # at least 8 frames (4K: 265 MB), at most 120 (2 s at 60 fps)


def queue_frames_for(size: tuple[int, int]) -> int:
    """The encoder queue's length for frames of `size` (RGBA bytes): as many as QUEUE_BYTES holds, within
    QUEUE_FRAMES, so a small recording rides out an encoder's hiccup of a second or two (a loaded machine, a
    disk flush) and a 4K one stays bounded. 1080p: 16 frames."""
    return max(QUEUE_FRAMES[0], min(QUEUE_FRAMES[1], QUEUE_BYTES // (size[0] * size[1] * 4)))


class LiveRecorder(CaptureOutput):
    name = "recorder"

    def __init__(
        self,
        directory: str | Path = "recordings",
        fps: float = 30.0,
        codec: str = "h264",
        queue_frames: int | None = None,
        clock=time.monotonic,
    ) -> None:
        self.directory = Path(directory)
        if not 1 <= fps <= 240:
            raise ValueError(f"recording fps must be in 1..240, got {fps}")
        if queue_frames is not None and queue_frames < 1:
            raise ValueError(f"queue_frames must be >= 1, got {queue_frames}")
        self.fps, self.codec = float(fps), check_codec(codec)
        self.queue_frames = queue_frames
        self.clock = clock
        self.session: Recording | None = None
        self._requested: Path | None = None
        self.finished: list[Recording] = []
        self.last_error: tuple[str, float] | None = None

    # ---- actions ----------------------------------------------------------------------------------------
    @property
    def recording(self) -> bool:
        return self.session is not None or self._requested is not None

    def start(self, path: str | Path | None = None) -> Path:
        """Record from the next frame on. Without a path: DIRECTORY/performer-DATE-TIME.ext."""
        if self.recording:
            return self.session.path if self.session else self._requested
        if path is None:
            stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
            extension = "" if self.codec.sequence else self.codec.extension  # a sequence is a folder
            path = self.directory / f"performer-{stamp}{extension}"
        self._requested = Path(path)
        return self._requested

    def stop(self) -> None:
        """End the recording; ffmpeg finishes the file on the encoder thread (the loop does not wait)."""
        self._requested = None
        session, self.session = self.session, None
        if session is None:
            return
        session.flushing = True  # the frames still in the readback go in, waiting a moment for room
        self.flush_pixels()
        session.stopping.set()
        self.finished.append(session)
        seconds, frames, dropped = session.due / self.fps, session.due, session.dropped
        log.info("recording stopped: %s (%.1f s, %d frames, %d dropped)", session.path, seconds, frames, dropped)

    def toggle(self) -> None:
        self.stop() if self.recording else self.start()

    def actions(self) -> dict[str, object]:
        """The recording actions (V, /performer/record/...), by the names the action table gives them."""
        return {"record_start": self.start, "record_stop": self.stop, "record_toggle": self.toggle}

    def close(self, timeout: float = 60.0) -> None:
        """Stop and wait for every file to be finished (at exit)."""
        self.stop()
        for session in self.finished:
            if session.thread is not None:
                session.thread.join(timeout)
        self.release_readback()

    # ---- the output ------------------------------------------------------------------------------------
    def frame(self, frame: Frame) -> None:
        session = self.session
        if session is None and self._requested is not None:
            session = self._open(frame)
        if session is None:
            return
        if session.error is not None:
            self._fail(session, session.error)
            return
        size = tuple(frame.target.size)
        if size != session.size:
            self._fail(session, f"the frame size changed to {size[0]}x{size[1]}; recording stopped at {session.path}")
            return
        due = math.floor((frame.now - session.start) * self.fps + 1e-6) + 1
        repeat = due - session.due
        if repeat <= 0:
            return  # the loop runs faster than the video: this frame is not needed
        session.due = due
        self.capture(frame, (session, repeat), self.codec.components)

    def pixels(self, data: bytes, size: tuple[int, int], tag: object) -> None:
        session, repeat = tag
        if session.flushing:
            self._hand_over(session, data, repeat)
        elif session is self.session:  # frames of a recording that failed are let go
            self._send(session, data, repeat)

    def _open(self, frame: Frame) -> Recording | None:
        path, self._requested = self._requested, None
        size = (int(frame.target.size[0]), int(frame.target.size[1]))
        try:
            check_size(self.codec, size)
        except ValueError as exc:
            self._fail(None, f"cannot record {path.name}: {exc}")
            return None
        frames = self.queue_frames or queue_frames_for(size)
        session = Recording(path, size, frame.now, queue.Queue(maxsize=frames))
        session.thread = threading.Thread(target=self._encode, args=(session,), name="recorder", daemon=True)
        session.thread.start()
        self.session = session
        log.info("recording %s: %dx%d at %g fps, %s", path, *size, self.fps, self.codec.name)
        return session

    def _send(self, session: Recording, data: bytes, repeat: int) -> None:
        repeat += session.carry
        try:
            session.queue.put_nowait((data, repeat))
        except queue.Full:
            session.dropped += repeat - session.carry  # the carried slots were counted when dropped
            session.carry = repeat
            return
        session.carry = 0
        session.sent += repeat

    def _hand_over(self, session: Recording, data: bytes, repeat: int) -> None:
        try:  # the last frames may wait a moment for room: stopping is not per-frame work
            session.queue.put((data, repeat + session.carry), timeout=1.0)
            session.sent += repeat + session.carry
            session.carry = 0
        except queue.Full:
            session.dropped += repeat

    def _fail(self, session: Recording | None, message: str) -> None:
        log.error("recording failed: %s", message)
        self.last_error = (message, self.clock())
        if session is not None:
            session.reported = True
            self.session = None
            session.stopping.set()
            self.finished.append(session)

    # ---- the encoder thread -----------------------------------------------------------------------------
    def _encode(self, session: Recording) -> None:
        writer = None
        try:
            writer = FfmpegWriter(session.path, session.size, self.fps, self.codec.name, flip=True, fragmented=True)
            session.writer = writer
            while True:
                try:
                    item = session.queue.get(timeout=0.05)
                except queue.Empty:
                    if session.stopping.is_set():
                        break
                    continue
                data, repeat = item
                for _ in range(repeat):
                    writer.write(data)
                    session.written += 1
            writer.close()
        except (RecordError, OSError, ValueError) as exc:
            if writer is not None:
                writer.kill()
            session.error = failure_line(session.path, exc)
            while not session.queue.empty():  # free the frames: nobody will write them
                session.queue.get_nowait()
        finally:
            session.finished.set()

    # ---- status -----------------------------------------------------------------------------------------
    def status_line(self) -> str | None:
        for done in self.finished:  # a file that failed while ffmpeg was finishing it, after stop
            if done.error is not None and not done.reported:
                done.reported = True
                self._fail(None, done.error)
        if self.session is not None:
            s = self.session
            seconds = s.due / self.fps
            dropped = f", {s.dropped} dropped" if s.dropped else ""
            return f"REC {int(seconds // 60):02d}:{seconds % 60:04.1f} {s.path.name}{dropped}"
        if self.last_error is not None and self.clock() - self.last_error[1] < ERROR_SHOWN_FOR:
            return f"REC FAILED: {self.last_error[0]}"
        return None

    def status_lines(self) -> list[str]:
        line = self.status_line()
        return [line] if line else []

    def stats(self) -> dict:
        s = self.session
        if s is None:
            return {"recording": 0, "failed": len([done for done in self.finished if done.error is not None])}
        return {"recording": 1, "due": s.due, "sent": s.sent, "written": s.written, "dropped": s.dropped}
