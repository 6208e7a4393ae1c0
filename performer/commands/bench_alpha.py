"""`performer bench-alpha`: what the transparent background costs, in one run on this machine.

Readback: one frame read from the GPU as RGB and as RGBA (the alpha codecs' and NDI's read), through a
pixel pack buffer as the live readback does. Encoding: the same transparent frames handed to ffmpeg for
each codec, alpha and not (ffmpeg alone: what decides whether a live recording keeps up), with the bytes
each frame takes on disk. Live: the app loop with the shipped garment walking, not recording, then
recording HAP Alpha; median frame time and frames dropped.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from performer.cli_types import parse_size
from performer.paths import DEFAULT_MODEL

CODECS = ("h264", "hap", "hap_alpha", "prores", "prores_4444", "png")


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("bench-alpha", description=__doc__)
    p.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="model .safetensors (default: shipped)")
    p.add_argument("--size", type=parse_size, default=(1280, 720), help="WxH (default 1280x720)")
    p.add_argument("--frames", type=int, default=12, help="frames per measurement (default 12)")
    p.add_argument("--fps", type=float, default=30.0, help="video frame rate")
    p.add_argument("--codecs", nargs="+", default=list(CODECS), choices=CODECS)
    return p


def read_ms(ctx, target, components: int, runs: int) -> float:
    """Median ms to read the target into a pixel pack buffer and map it (what FrameReadback does)."""
    width, height = target.size
    buffer = ctx.buffer(reserve=width * height * components, dynamic=True)
    target.framebuffer.read_into(buffer, viewport=(0, 0, width, height), components=components, alignment=1)
    buffer.read()  # warm-up: the first read also waits for the frame to finish
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        target.framebuffer.read_into(buffer, viewport=(0, 0, width, height), components=components, alignment=1)
        buffer.read()
        times.append(time.perf_counter() - start)
    buffer.release()
    return 1000 * statistics.median(times)


def folder_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.iterdir()) if path.is_dir() else path.stat().st_size


def run(args: argparse.Namespace) -> int:
    from performer.app import App
    from performer.measure import gl_exit_code, time_recording
    from performer.outputs.recorder import LiveRecorder
    from performer.record.codecs import CODECS as TABLE
    from performer.record.writer import FfmpegWriter
    from performer.render.context import create_headless_context
    from performer.render.cppn_renderer import CppnRenderer
    from performer.render.weights import CppnWeights
    from performer.render.window import HeadlessSurface
    from performer.state import BACKGROUND_MODES, PerformanceState
    from performer.walks.generative import NoiseLoop
    from performer.walks.player import WalkPlayer

    weights = CppnWeights.from_file(args.model)
    dim, transparent = weights.latent_dim, BACKGROUND_MODES.index("transparent")
    ctx = create_headless_context()
    renderer = CppnRenderer(ctx, weights)
    width, height = args.size
    print(f"model: {args.model}; {width}x{height}, {args.frames} frames per row; GL: {ctx.info['GL_RENDERER']}")
    state = PerformanceState(latent_dim=dim)
    state.set("background", transparent)
    frames = []  # RGBA, bottom row first (as read from GL); a few different garments, reused
    for index in range(4):
        state.set_z(weights.garments[index] if weights.garments is not None else np.full(dim, 0.3 * index))
        target = renderer.render(state, args.size)
        frames.append(target.framebuffer.read(components=4, alignment=1))
    clear = np.frombuffer(frames[0], np.uint8)[3::4]
    print(f"transparent share of the first frame: {100 * (clear == 0).mean():.0f}%")
    print()
    print("| readback | ms/frame |")
    print("|---|---:|")
    for components, label in ((3, "RGB"), (4, "RGBA")):
        ms = read_ms(ctx, target, components, max(args.frames, 30))
        print(f"| {label} ({components} bytes a pixel) | {ms:.2f} |")
    print()
    print("| encode (ffmpeg alone) | frames/s | ms/frame | KB/frame |")
    print("|---|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.codecs:
            codec = TABLE[name]
            path = Path(tmp) / (name if codec.sequence else f"{name}{codec.extension}")
            pictures = frames if codec.alpha else [rgb_of(frame) for frame in frames]
            start = time.perf_counter()
            with FfmpegWriter(path, args.size, args.fps, name, flip=True) as writer:
                for i in range(args.frames):
                    writer.write(pictures[i % len(pictures)])
            seconds = time.perf_counter() - start
            kb = folder_bytes(path) / args.frames / 1024
            print(f"| {name} | {args.frames / seconds:.1f} | {1000 * seconds / args.frames:.0f} | {kb:.0f} |")
        renderer.release()

        surface = HeadlessSurface(args.size, ctx)
        app = App(surface, CppnRenderer(ctx, weights), PerformanceState(latent_dim=dim))
        app.state.set("background", transparent)
        player = WalkPlayer({"bench": NoiseLoop(np.zeros(dim), 1.5, 1.5, 4.0, seed=0)}, blend=0.0)
        player.play("bench")
        app.inputs.append(player)
        recorder = LiveRecorder(tmp, args.fps, "hap_alpha")
        times, session = time_recording(app, recorder, args.frames)
        surface.close()
    print()
    print("| live loop, transparent | median ms/frame | max ms/frame |")
    print("|---|---:|---:|")
    for label, values in times.items():
        print(f"| {label} | {1000 * statistics.median(values):.1f} | {1000 * max(values):.1f} |")
    base, rec = (statistics.median(v) for v in times.values())
    dropped = session.dropped if session is not None else 0
    print(f"\nHAP Alpha recording: {1000 * (rec - base):+.1f} ms/frame, {dropped} frame(s) dropped")
    return gl_exit_code(ctx)


def rgb_of(rgba: bytes) -> bytes:
    return np.frombuffer(rgba, np.uint8).reshape(-1, 4)[:, :3].tobytes()
