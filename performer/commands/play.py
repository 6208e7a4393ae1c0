"""`performer play`: the live instrument. A window (or --headless) that renders the CPPN per pixel in GLSL.

The keys are listed at the end of this help. Editing a file in shaders/ recompiles it live.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys

from performer.keys import keys_help, keys_hint
from performer.play_options import add_play_options
from performer.targets import osc_help, targets_help

log = logging.getLogger(__name__)

HEADLESS_HINT = "performer play --headless --frames 60 --out frame.png"
KEYS_HINT = keys_hint()  # printed when the window opens; --help lists them all (both from performer/keys.py)
KEYS_MORE = "mappings/keyboard.yaml (--mapping) adds Up/Down zoom; any mapping can bind more keys."
KEYS_EPILOG = f"{keys_help()}\n\n{KEYS_MORE}\n\n{osc_help()}\n\n{targets_help()}"  # all from performer/targets.py


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "play", description=__doc__, epilog=KEYS_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_play_options(p)
    return p


def run(args: argparse.Namespace) -> int:
    from performer.model.arrays import ModelFileError  # checkpoint's would load torch
    from performer.outputs.base import OutputSpecError
    from performer.render.context import NoGLError
    from performer.render.program import ShaderError
    from performer.render.weights import CppnWeights
    from performer.render.window import NoDisplayError, display_available
    from performer.state import BACKGROUND_MODES, PerformanceState

    if not args.headless and not display_available():
        print(f"performer play: no display found; to render without one run: {HEADLESS_HINT}", file=sys.stderr)
        return 2
    try:
        weights = CppnWeights.from_file(args.model)
    except ModelFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    state = PerformanceState(latent_dim=weights.latent_dim)
    state.hud, state.previews = args.hud, args.previews
    state.set("background", BACKGROUND_MODES.index(args.background))
    try:
        if args.z:
            state.set_z([float(v) for v in args.z.split(",")])
    except ValueError as exc:
        print(f"error: --z: {exc}", file=sys.stderr)
        return 2
    try:
        surface = open_surface(args)
    except (NoDisplayError, NoGLError) as exc:
        hint = "" if args.headless else f"; to render without a window run: {HEADLESS_HINT}"
        print(f"performer play: {exc}{hint}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"performer play: {exc}", file=sys.stderr)
        return 2
    try:
        return play(args, surface, weights, state)
    except OutputSpecError as exc:
        print(f"performer play: {exc}", file=sys.stderr)
        return 2
    except ShaderError as exc:
        print(f"error: shader did not compile:\n{exc}", file=sys.stderr)
        return 1
    finally:
        surface.close()


def open_surface(args: argparse.Namespace):
    from performer.render.window import GlfwWindow, HeadlessSurface

    if args.headless:
        return HeadlessSurface(args.size)
    return GlfwWindow(args.size, "performer", args.monitor, args.fullscreen, vsync=not args.no_vsync)


def play(args: argparse.Namespace, surface, weights, state) -> int:
    import imageio.v3 as iio

    from performer.session import build_session

    session = build_session(args, surface, weights, state)
    renderer = session.renderer
    frames = args.frames if args.frames is not None else (60 if args.headless else None)
    # A launcher or `kill` ends the show like Esc does: the loop stops, the recording is finished, the print
    # worker and ports are closed.
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: session.app.quit())
    if not args.headless:
        print(KEYS_HINT)
    try:
        drawn = session.app.run(frames)
        if args.out:
            iio.imwrite(args.out, renderer.target.read_rgb())
            print(f"wrote {args.out} ({renderer.target.size[0]}x{renderer.target.size[1]})")
        if args.headless:
            print(
                f"showed {drawn} frame(s), {session.app.renders} rendered, at {surface.size[0]}x{surface.size[1]}, "
                f"weights as {renderer.weight_mode}"
            )
    finally:
        session.close()
        signal.signal(signal.SIGTERM, previous)
    return 0
