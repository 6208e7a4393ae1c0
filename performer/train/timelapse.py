"""The training timelapse: every epoch's sample grid of the same z's, as an H.264 video."""

from __future__ import annotations

from pathlib import Path

import imageio.v3 as iio
import numpy as np


def write_timelapse(frames_dir: Path, out_path: Path, fps: int = 4) -> Path | None:
    """Every epoch's sample grid, in order, as an H.264 video (frames kept on disk so resume extends it)."""
    frames = sorted(frames_dir.glob("epoch*.png"))
    if not frames:
        return None
    # macro_block_size=1: imageio would otherwise silently resize sizes that are not multiples of 16.
    with _ffmpeg_writer(out_path, fps) as writer:
        for frame in frames:
            writer.append_data(np.asarray(iio.imread(frame))[..., :3])
    return out_path


def _ffmpeg_writer(path: Path, fps: int):
    import imageio.v2 as iio2

    return iio2.get_writer(
        path, fps=fps, codec="libx264", macro_block_size=1, quality=8, pixelformat="yuv420p", ffmpeg_log_level="error"
    )
