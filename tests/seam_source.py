"""A test source written in this one file, plugged into a running `performer play` without touching any other:

    PERFORMER_SEAM_SOURCE=report.json PYTHONPATH=tests performer play --headless --source seam_source:make

At its first frame it sends the latents of PERFORMER_SEAM_Z (comma-separated) to the canonical address
/performer/z, as an OSC controller would, and a palette by name; every frame it shows a status line. At close
it writes what it saw as JSON: the frames it was asked for events, the latent size it was set up with, and
whether it was closed."""

from __future__ import annotations

import json
import os
from pathlib import Path

from performer.controls.events import ControlEvent

SEAM_Z = (1.5, -1.0, 0.5, 2.0, -2.0, 0.0, 1.0, -0.5)


class SeamSource:
    name = "seam"

    def __init__(self, z: tuple[float, ...], latent_dim: int, report: Path | None) -> None:
        self.z, self.latent_dim, self.report = z, latent_dim, report
        self.stats = {"frames": 0}

    def events(self, now: float) -> list[ControlEvent]:
        self.stats["frames"] += 1
        if self.stats["frames"] > 1:
            return []
        return [
            ControlEvent("osc", "/performer/z", self.z[0], None, "seam", now, self.z),
            ControlEvent("osc", "/performer/param/palette", None, None, "seam", now, ("ember",)),
        ]

    def status_line(self) -> str:
        return f"SEAM {self.stats['frames']} frames"

    def error_lines(self) -> list[str]:
        return []

    def close(self) -> None:
        if self.report is not None:
            seen = {"frames": self.stats["frames"], "latent_dim": self.latent_dim, "closed": True}
            self.report.write_text(json.dumps(seen))


def make(setup) -> SeamSource:
    text = os.environ.get("PERFORMER_SEAM_Z")
    z = tuple(float(v) for v in text.split(",")) if text else SEAM_Z
    report = os.environ.get("PERFORMER_SEAM_SOURCE")
    return SeamSource(z, setup.latent_dim, Path(report) if report else None)
