"""Snapshots (S, /performer/snapshot): the frame last shown, without the HUD, as a PNG.

The pixels come from the shared readback: when a recording (or a sender) is already reading the frame,
the snapshot takes those bytes, so the frame is still read once. The PNG is encoded in memory and written
atomically: a full disk leaves no 0-byte file, logs one line and puts "snapshot failed Nx: why" in the HUD.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

import numpy as np

from performer.outputs.base import Frame, OutputBase, OutputContext, failure_line
from performer.safe_files import WriteError, atomic_write_bytes

log = logging.getLogger(__name__)


class SnapshotOutput(OutputBase):
    name = "snapshot"

    def __init__(self, directory: str | Path = "snapshots") -> None:
        self.directory = Path(directory)
        self.context: OutputContext | None = None
        self.latest: Frame | None = None  # the frame last shown
        self.last_path: Path | None = None
        self.saved = 0
        self.failures, self.reason = 0, ""

    def open(self, context: OutputContext) -> None:
        self.context = context

    def frame(self, frame: Frame) -> None:
        self.latest = frame

    def take(self) -> Path | None:
        """Save the frame last shown as DIRECTORY/performer-DATE-TIME-FRAME.png; None before the first frame
        or when the file could not be written."""
        import imageio.v3 as iio

        frame = self.latest
        if frame is None or self.context is None or frame.target.framebuffer is None:
            return None
        width, height = frame.target.size
        raw = self.context.readback.read_now(frame)
        rgb = np.frombuffer(raw, dtype=np.uint8).reshape(height, width, 3)[::-1]  # GL keeps row 0 at the bottom
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        path = self.directory / f"performer-{stamp}-{frame.number:06d}.png"
        try:
            atomic_write_bytes(path, iio.imwrite("<bytes>", rgb, extension=".png"), "snapshot")
        except WriteError as exc:
            log.error("%s", exc)
            self.failures, self.reason = self.failures + 1, exc.reason
            return None
        log.info("snapshot saved to %s", path)
        self.last_path = path
        self.saved += 1
        return path

    def errors(self) -> list[str]:
        return [failure_line(self.name, self.failures, self.reason)] if self.failures else []

    def stats(self) -> dict:
        return {"saved": self.saved, "failed": self.failures}
