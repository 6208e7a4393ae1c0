"""`performer show`: the main command. With a display it opens the live performer playing the landmark
tour (`performer play`); without one it renders the tour to a video and says where, in one line.
"""

from __future__ import annotations

import argparse
import contextlib
import io
from pathlib import Path

from performer.cli_types import parse_size
from performer.paths import DEFAULT_MODEL, WALK_DIR

TOUR = WALK_DIR / "tour.yaml"


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("show", description=__doc__)
    p.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="model .safetensors (default: shipped)")
    p.add_argument("--out", type=Path, default=Path("out/tour.mp4"), help="video when there is no display")
    p.add_argument("--size", type=parse_size, default=(640, 360), help="video size WxH without a display")
    p.add_argument("--fps", type=float, default=24.0, help="video frame rate without a display")
    p.add_argument("--headless", action="store_true", help="render the video even with a display")
    return p


def run(args: argparse.Namespace) -> int:
    from performer.render.window import display_available

    if display_available() and not args.headless:
        play = args.parse_command(["play", "--model", str(args.model), "--walk", TOUR.stem])
        return int(play.run(play) or 0)
    render = args.parse_command(
        [
            "render",
            str(TOUR),
            "--out",
            str(args.out),
            "--model",
            str(args.model),
            "--size",
            f"{args.size[0]}x{args.size[1]}",
            "--fps",
            str(args.fps),
        ]
    )
    # the progress bar (stderr) stays: a first render takes a minute or two on a CPU
    quiet = io.StringIO()
    with contextlib.redirect_stdout(quiet):
        code = int(render.run(render) or 0)
    if code == 0:
        print(f"no display: rendered the landmark tour to {args.out}")
    else:
        print(quiet.getvalue(), end="")
    return code
