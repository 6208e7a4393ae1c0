"""`performer play`: the live instrument. A window (or --headless) that renders the CPPN per pixel in GLSL.

Keys: hold 1-8 to raise latent 1-8 (Shift lowers it), R random point, Space pause, H HUD, F fullscreen,
S snapshot PNG, Esc quit. Editing a file in shaders/ recompiles it live.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from performer.commands.sample import DEFAULT_MODEL

log = logging.getLogger(__name__)

HEADLESS_HINT = "performer play --headless --frames 60 --out frame.png"


def parse_size(text: str) -> tuple[int, int]:
    width, _, height = text.lower().partition("x")
    try:
        size = int(width), int(height or width)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"size must be N or WxH, got {text!r}") from exc
    if not all(1 <= v <= 16384 for v in size):
        raise argparse.ArgumentTypeError(f"size must be 1..16384 on each side, got {text!r}")
    return size


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("play", help="play the model live (window or --headless)", description=__doc__,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="model .safetensors (default: shipped)")
    p.add_argument("--size", type=parse_size, default=(1280, 720), help="window or frame size WxH")
    p.add_argument("--fullscreen", action="store_true", help="start fullscreen (F toggles)")
    p.add_argument("--monitor", type=int, default=0, help="monitor index for the window / fullscreen")
    p.add_argument("--no-vsync", action="store_true", help="do not wait for the display refresh")
    p.add_argument("--headless", action="store_true", help="no window: render on an EGL context")
    p.add_argument("--frames", type=int, help="stop after N frames (headless default 60)")
    p.add_argument("--out", type=Path, help="write the last frame to this PNG")
    p.add_argument("--z", help="start at this z: comma-separated numbers")
    p.add_argument("--seed", type=int, help="seed for R (random point)")
    p.add_argument("--hud", action="store_true", help="start with the HUD on (H toggles)")
    p.add_argument("--weights", default="auto", choices=("auto", "const", "ubo", "texture"),
                   help="where the shader reads weights from (auto: fastest that fits)")
    p.add_argument("--snapshot-dir", type=Path, default=Path("snapshots"), help="where S saves PNGs")
    p.add_argument("--no-reload", action="store_true", help="do not watch shaders/ for edits")
    from performer.controls.hub import add_arguments

    add_arguments(p)  # --mapping, --osc-host/--osc-port/--osc-allow/--osc-feedback, --midi-in
    return p


def run(args: argparse.Namespace) -> int:
    from performer.model.checkpoint import ModelFileError
    from performer.render.context import NoGLError
    from performer.render.program import ShaderError
    from performer.render.weights import CppnWeights
    from performer.render.window import NoDisplayError, display_available
    from performer.state import PerformanceState

    if not args.headless and not display_available():
        print(f"performer play: no display found; to render without one run: {HEADLESS_HINT}", file=sys.stderr)
        return 2
    try:
        weights = CppnWeights.from_file(args.model)
    except ModelFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    state = PerformanceState(latent_dim=weights.latent_dim)
    state.hud = args.hud
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

    from performer.app import App
    from performer.render.cppn_renderer import CppnRenderer
    from performer.render.hotreload import ShaderReloader
    from performer.render.hud import Hud

    renderer = CppnRenderer(surface.ctx, weights, args.weights)
    hud = Hud(surface.ctx)
    reloader = ShaderReloader(renderer.programs + hud.programs, watch=not args.no_reload and not args.headless)
    app = App(surface, renderer, state, hud, reloader, args.snapshot_dir, args.seed)
    from performer.controls.hub import build_inputs

    hubs = build_inputs(args, app.actions, weights.latent_dim)  # OSC, MIDI, joysticks, mappings
    app.inputs += hubs
    builtin_keys = surface.on_key

    def on_key(name: str, pressed: bool, shift: bool) -> None:
        builtin_keys(name, pressed, shift)  # the Fashion Space Explorer keys
        for hub in hubs:  # and whatever mappings/keyboard.yaml (or a user mapping) binds
            hub.key(name, pressed)

    surface.on_key = on_key
    frames = args.frames if args.frames is not None else (60 if args.headless else None)
    try:
        drawn = app.run(frames)
    finally:
        reloader.stop()
    if args.out:
        iio.imwrite(args.out, renderer.target.read_rgb())
        print(f"wrote {args.out} ({renderer.target.size[0]}x{renderer.target.size[1]})")
    if args.headless:
        print(f"rendered {drawn} frame(s) at {surface.size[0]}x{surface.size[1]}, weights as {renderer.weight_mode}")
    hud.release()
    renderer.release()
    return 0
