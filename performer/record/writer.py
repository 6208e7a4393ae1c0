"""One ffmpeg process (imageio-ffmpeg's bundled binary) fed raw RGB frames on stdin (RGBA for an alpha codec).

The process is started here rather than through imageio_ffmpeg.write_frames because write_frames hides
what a fault handler needs: its stderr goes to the terminal, its exit status is never checked (a disk that
fills while ffmpeg writes the trailer looks like success), and the process is not reachable to stop or
test. The command is the same shape: rawvideo rgb24 in, the codec table's options out.

`fragmented=True` writes fragmented mp4/mov (a moov up front, a fragment each second): if ffmpeg dies, the
disk fills or the power goes, everything up to the last fragment plays. Live recordings use it. A png
sequence (codecs.py) needs none of it: `path` is a folder and every frame its own file, renamed into place whole.

ffmpeg runs in its own session, so a Ctrl-C in the terminal reaches only Python, which stops feeding frames
and closes ffmpeg's stdin: ffmpeg then writes the index (mp4/mov's moov) and the file plays. Were ffmpeg in
the terminal's process group, it would stop on the same Ctrl-C while frames were still in the pipe, and the
cleanup would kill it before the index was written (a 48-byte file). If Python itself dies, the pipe closes
and ffmpeg still finishes the file.
"""

from __future__ import annotations

import errno
import logging
import os
import subprocess
import threading
from collections import deque
from fractions import Fraction
from pathlib import Path

import imageio_ffmpeg
import numpy as np

from performer.record.codecs import check_codec, check_size

log = logging.getLogger(__name__)


class RecordError(Exception):
    """ffmpeg could not start, stopped, or failed; the message ends with ffmpeg's last words, and `reason`
    is the short why: the system's error when ffmpeg names one (a full disk), else those last words."""

    def __init__(self, message: str, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason or message


# What ffmpeg quotes from the system when a write fails: the reason a person needs, out of its log lines.
OS_ERRORS = tuple(
    os.strerror(number)
    for number in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EACCES, errno.ENOENT, errno.EIO)
)


class FfmpegWriter:
    def __init__(
        self,
        path: str | Path,
        size: tuple[int, int],
        fps: float,
        codec: str = "h264",
        *,
        flip: bool = False,
        fragmented: bool = False,
    ) -> None:
        """`flip`: frames arrive bottom row first (straight from glReadPixels); ffmpeg flips them. Frames are
        RGB, or RGBA for an alpha codec (codec.components bytes a pixel); a sequence's `path` is its folder."""
        self.path = Path(path)
        self.size = (int(size[0]), int(size[1]))
        self.codec = check_codec(codec)
        self.pix_fmt = check_size(self.codec, self.size)
        if not 0 < fps <= 1000:
            raise ValueError(f"fps must be in 0..1000, got {fps}")
        self.fps = Fraction(fps).limit_denominator(1001)
        self.frame_bytes = self.size[0] * self.size[1] * self.codec.components
        self.frames = 0
        (self.path if self.codec.sequence else self.path.parent).mkdir(parents=True, exist_ok=True)
        if self.pix_fmt != self.codec.pix_fmt:
            log.warning(
                "%dx%d is odd: writing %s as %s to keep the exact size (4:2:0 needs even sizes; "
                "some hardware players only decode 4:2:0)",
                *self.size,
                self.codec.name,
                self.pix_fmt,
            )
        self.command = self._command(flip, fragmented)
        self._stderr: deque[str] = deque(maxlen=40)
        try:
            self.process = subprocess.Popen(
                self.command,
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                bufsize=0,
                stderr=subprocess.PIPE,
                start_new_session=True,
            )
        except OSError as exc:
            raise RecordError(f"cannot start ffmpeg ({exc})") from exc
        self._reader = threading.Thread(target=self._read_stderr, name="ffmpeg-stderr", daemon=True)
        self._reader.start()

    def _command(self, flip: bool, fragmented: bool) -> list[str]:
        w, h = self.size
        c = self.codec
        cmd = [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-hide_banner",
            "-nostdin",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgba" if c.alpha else "rgb24",
            "-s",
            f"{w}x{h}",
            "-r",
            str(self.fps),
            "-i",
            "-",
            "-an",
        ]
        if flip:
            cmd += ["-vf", "vflip"]
        cmd += ["-c:v", c.encoder, "-pix_fmt", self.pix_fmt, *c.params]
        if c.keyframe_interval:
            cmd += ["-g", str(max(1, round(float(self.fps))))]
        if c.sequence:
            cmd += ["-f", "image2", "-atomic_writing", "1"]  # each frame to a temporary name, then renamed
        elif fragmented:
            cmd += [
                "-movflags",
                "+frag_keyframe+empty_moov+default_base_moof",
                "-frag_duration",
                "1000000",
                "-flush_packets",
                "1",
            ]  # each fragment reaches the disk when it is done
        elif c.extension == ".mp4":
            cmd += ["-movflags", "+faststart"]
        # The container says the exact rate: 30000/1001 stays a fraction.
        output = self.path / f"%06d{c.extension}" if c.sequence else self.path
        cmd += ["-r", str(self.fps), str(output)]
        return cmd

    def _read_stderr(self) -> None:
        for raw in iter(self.process.stderr.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip()
            if line:
                self._stderr.append(line)

    @property
    def pid(self) -> int:
        return self.process.pid

    def ffmpeg_said(self) -> str:
        self._reader.join(timeout=1.0)
        lines = [line for line in self._stderr if line.strip()]
        return "; ".join(lines[-3:]) if lines else "no message"

    def _reason(self) -> str:
        said = " ".join(self._stderr)
        return next((error for error in OS_ERRORS if error in said), "") or self.ffmpeg_said()

    def write(self, frame: bytes | np.ndarray) -> None:
        data = frame.tobytes() if isinstance(frame, np.ndarray) else frame
        if len(data) != self.frame_bytes:
            kind, (w, h) = ("RGBA" if self.codec.alpha else "RGB"), self.size
            raise ValueError(f"a {w}x{h} {kind} frame is {self.frame_bytes} bytes, got {len(data)}")
        try:
            self.process.stdin.write(data)
        except (BrokenPipeError, OSError, ValueError) as exc:
            code = self.process.wait(timeout=5)
            raise RecordError(
                f"ffmpeg stopped after {self.frames} frame(s) of {self.path} (exit {code}): {self.ffmpeg_said()}",
                self._reason(),
            ) from exc
        self.frames += 1

    def close(self, timeout: float = 60.0) -> None:
        """Finish the file; RecordError if ffmpeg did not exit cleanly (e.g. the disk filled at the end)."""
        try:
            self.process.stdin.close()
        except (BrokenPipeError, OSError):
            pass
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
            raise RecordError(f"ffmpeg did not finish {self.path} within {timeout:.0f} s; killed") from None
        if code != 0:
            raise RecordError(f"ffmpeg failed writing {self.path} (exit {code}): {self.ffmpeg_said()}", self._reason())

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()

    def __enter__(self) -> FfmpegWriter:
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if kind is None:
            self.close()
        else:
            self.kill()
