"""`performer play`: the live instrument. A window (or --headless) that renders the CPPN per pixel in GLSL.

The keys are listed at the end of this help. Editing a file in shaders/ recompiles it live.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path

from performer.cli_types import parse_fps, parse_size
from performer.keys import keys_help, keys_hint
from performer.paths import DEFAULT_LANDMARKS, DEFAULT_MODEL, DEFAULT_PRINTS, SHADER_DIR
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
    p.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="model .safetensors (default: shipped)")
    p.add_argument("--size", type=parse_size, default=(1280, 720), help="window or frame size WxH")
    p.add_argument("--fullscreen", action="store_true", help="start fullscreen (F toggles)")
    p.add_argument("--monitor", type=int, default=0, help="monitor index for the window / fullscreen")
    p.add_argument("--no-vsync", action="store_true", help="do not wait for the display refresh")
    p.add_argument("--fps", type=parse_fps, default=60.0,
                   help="show at most this many frames a second (default 60); the loop sleeps in between")
    p.add_argument("--headless", action="store_true", help="no window: render on an EGL context")
    p.add_argument("--frames", type=int, help="stop after N frames (headless default 60)")
    p.add_argument("--out", type=Path, help="write the last frame to this PNG")
    p.add_argument("--z", help="start at this z: comma-separated numbers")
    p.add_argument("--seed", type=int, help="seed for R (random point)")
    p.add_argument("--hud", action="store_true", help="start with the HUD on (H toggles)")
    p.add_argument("--previews", action="store_true",
                   help="start with the latent previews on: each latent at 5 values (G toggles)")
    p.add_argument("--weights", default="auto", choices=("auto", "const", "ubo", "texture"),
                   help="where the shader reads weights from (auto: fastest that fits)")
    p.add_argument("--snapshot-dir", type=Path, default=Path("snapshots"), help="where S saves PNGs")
    p.add_argument("--no-reload", action="store_true", help="do not watch shaders/ for edits")
    p.add_argument("--shaders", type=Path, default=SHADER_DIR,
                   help="folder with the GLSL programs (default: the shipped shaders/; edit a copy live)")
    from performer.record.codecs import CODECS

    show = p.add_argument_group("landmarks, walks, recording")
    show.add_argument("--bpm", type=float, default=120.0, help="walk tempo (tap tempo / MIDI clock override it)")
    show.add_argument("--landmarks", type=Path, default=DEFAULT_LANDMARKS, help="landmarks file")
    show.add_argument("--walk", help="start playing this walk (a name in presets/walks)")
    show.add_argument("--record-dir", type=Path, default=Path("recordings"), help="where V records to")
    show.add_argument("--record-fps", type=float, default=30.0)
    show.add_argument("--record-codec", choices=tuple(CODECS), default="h264")
    show.add_argument(
        "--output",
        action="append",
        default=[],
        metavar="MODULE:FACTORY",
        help="plug in an output (see performer/outputs/base.py) that FACTORY() in MODULE makes; repeatable",
    )
    prints = p.add_argument_group("prints")
    prints.add_argument("--prints", type=Path, default=DEFAULT_PRINTS, help="learned prints file (default: shipped)")
    prints.add_argument("--no-prints", action="store_true", help="procedural prints only (no print worker)")
    from performer.controls.cli_options import add_arguments

    add_arguments(p)  # --mapping, --osc-host/--osc-port/--osc-allow/--osc-feedback, --midi-in
    return p


def run(args: argparse.Namespace) -> int:
    from performer.model.arrays import ModelFileError  # checkpoint's would load torch
    from performer.outputs.base import OutputSpecError
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
    state.hud, state.previews = args.hud, args.previews
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


@dataclass
class Session:
    """Everything one performance wires together around the app loop (see build_session)."""

    app: object
    renderer: object
    hud: object
    reloader: object
    show: object
    prints: object
    hubs: list = field(default_factory=list)
    recorder: object = None

    def close(self) -> None:
        self.reloader.stop()
        self.app.close()  # every output: the recorder waits for ffmpeg to finish the file
        for hub in self.hubs:
            hub.close()
        self.prints.release()  # stops the print worker
        self.hud.release()
        if self.app.previews is not None:
            self.app.previews.release()
        self.renderer.release()


def build_session(args: argparse.Namespace, surface, weights, state) -> Session:
    """The app loop with every input and output plugged in, one way:
    controllers and walks -> state -> renderer -> outputs (recorder, --output ..., the window with the HUD)."""
    from performer.app import App
    from performer.controls.cli_options import build_inputs, source_factories
    from performer.outputs.base import load_output
    from performer.outputs.recorder import LiveRecorder
    from performer.prints.live import start_prints
    from performer.render.cppn_renderer import CppnRenderer
    from performer.render.hotreload import ShaderReloader
    from performer.render.hud import Hud
    from performer.render.previews import LatentPreviews
    from performer.targets import provide
    from performer.walks.live import LiveShow

    extra_outputs = [load_output(spec) for spec in args.output]  # OutputSpecError: before anything starts
    extra_sources = source_factories(args)  # a bad --source: one line and status 2, before anything starts
    # learned prints run in a worker process; a missing or broken file is logged and play goes on
    prints = start_prints(surface.ctx, args.model, None if args.no_prints else args.prints)
    try:
        renderer = CppnRenderer(surface.ctx, weights, args.weights, args.shaders, prints=prints)
    except BaseException:
        prints.release()  # stops the print worker
        raise
    hud = Hud(surface.ctx, args.shaders)
    previews = LatentPreviews(renderer, weights.latent_dim, directory=args.shaders)
    reloader = ShaderReloader(renderer.programs + hud.programs + previews.programs,
                              watch=not args.no_reload and not args.headless)  # fmt: skip
    app = App(surface, renderer, state, hud, reloader, args.snapshot_dir, args.seed, fps=args.fps)
    app.previews = previews
    app.garments = weights.garments

    # OSC, MIDI, joysticks, the app's keyboard (its keys also go to the mappings), any --source
    hubs = build_inputs(args, app.actions, weights.latent_dim, keyboard=app.keyboard, sources=extra_sources)
    app.inputs += hubs

    hub = hubs[0] if hubs else None
    clock_bpm = (lambda: hub.tempo) if hub is not None else None
    show = LiveShow.build(state, weights.latent_dim, args.landmarks, bpm=args.bpm, clock_bpm=clock_bpm)
    app.inputs.append(show)  # after the hub: this frame's hand moves become offsets on top of the walk
    provide(app.actions, show.actions())  # the same dict the hub fires into, by the names of performer/targets.py
    app.status_sources.append(show.status_lines)
    recorder = LiveRecorder(args.record_dir, args.record_fps, args.record_codec)
    provide(app.actions, recorder.actions())
    for output in [recorder, *extra_outputs]:  # their status lines follow the show's in the HUD
        app.add_output(output)
    app.status_sources += [hub.status_lines for hub in hubs]
    app.error_sources += [hub.error_lines for hub in hubs]
    app.status_sources.append(lambda: [line] if (line := prints.status_line(state.params)) else [])
    if args.walk:
        show.play_walk(args.walk)
    return Session(app, renderer, hud, reloader, show, prints, hubs, recorder)


def play(args: argparse.Namespace, surface, weights, state) -> int:
    import imageio.v3 as iio

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
            print(f"showed {drawn} frame(s), {session.app.renders} rendered, at {surface.size[0]}x{surface.size[1]}, "
                  f"weights as {renderer.weight_mode}")
    finally:
        session.close()
        signal.signal(signal.SIGTERM, previous)
    return 0
