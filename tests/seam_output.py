"""A test output written in this one file, plugged into a running `performer play` without touching any other:

    PERFORMER_SEAM_OUTPUT=report.json PYTHONPATH=tests performer play --headless --output seam_output:make

It asks the shared readback for every frame and, at close, writes what it saw as JSON: the frames it was
given, and for each frame delivered its number, size and the SHA-256 of its pixels (rows top first)."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np

from performer.outputs.base import CaptureOutput, Frame


class SeamOutput(CaptureOutput):
    name = "seam"

    def __init__(self, report: Path) -> None:
        self.report = report
        self.frames = 0
        self.delivered: list[dict] = []

    def frame(self, frame: Frame) -> None:
        self.frames += 1
        self.capture(frame, frame.number)

    def pixels(self, data: bytes, size: tuple[int, int], tag: object) -> None:
        top_first = np.ascontiguousarray(np.frombuffer(data, np.uint8).reshape(size[1], size[0], 3)[::-1])
        self.delivered.append({"number": tag, "size": list(size), "sha256": hashlib.sha256(top_first).hexdigest()})

    def close(self) -> None:
        self.flush_pixels()
        self.report.write_text(json.dumps({"frames": self.frames, "delivered": self.delivered}))


def make() -> SeamOutput:
    return SeamOutput(Path(os.environ["PERFORMER_SEAM_OUTPUT"]))
