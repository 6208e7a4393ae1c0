"""`performer bench-record`: offline render throughput (frames/s) per codec, and what live recording costs
the render loop (frame time recording against not recording), in one run on this machine.

Offline: a noise-loop walk rendered headless and encoded, end to end (render + readback + ffmpeg), and
rendered alone for reference. Live: the app loop (headless surface, the same walk playing) for --frames
frames without the recorder, then as many with it; median and 95th percentile frame time of each.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from performer.cli_types import parse_size
from performer.measure import benchmark_generator, gl_exit_code, time_recording
from performer.paths import DEFAULT_MODEL

CODECS = ("h264", "hap")


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("bench-record", description=__doc__)
    p.add_argument(
        "--model",
        type=Path,
        default=DEFAULT_MODEL,
        help="model .safetensors (default: shipped; random weights if it does not exist)",
    )
    p.add_argument("--random", action="store_true", help="random weights of the default shape instead")
    p.add_argument("--size", type=parse_size, default=(1280, 720), help="WxH (default 1280x720)")
    p.add_argument("--frames", type=int, default=20, help="frames per measurement")
    p.add_argument("--fps", type=float, default=30.0, help="video frame rate")
    p.add_argument("--codecs", nargs="+", default=list(CODECS), choices=("h264", "hap", "hap_q", "prores"))
    return p


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def run(args: argparse.Namespace) -> int:
    from performer.app import App
    from performer.outputs.recorder import LiveRecorder
    from performer.record.offline import render_frames, write_video
    from performer.record.writer import FfmpegWriter
    from performer.render.context import create_headless_context
    from performer.render.cppn_renderer import CppnRenderer
    from performer.render.weights import CppnWeights
    from performer.render.window import HeadlessSurface
    from performer.state import PerformanceState
    from performer.walks.generative import NoiseLoop
    from performer.walks.player import WalkPlayer

    generator, source = benchmark_generator(args.model, args.random)
    weights = CppnWeights.from_generator(generator)
    dim = weights.latent_dim
    walk = NoiseLoop(np.zeros(dim), 1.5, 1.5, 4.0, seed=0)
    positions = np.arange(args.frames) / args.fps
    ctx = create_headless_context()
    renderer = CppnRenderer(ctx, weights)
    width, height = args.size
    print(f"model: {source}; {width}x{height}, {args.frames} frames per row; GL: {ctx.info['GL_RENDERER']}")
    print()
    print("| what | frames/s | ms/frame |")
    print("|---|---:|---:|")
    list(render_frames(renderer, walk, positions[:1], args.size, dim))  # warm-up: shader compile
    start = time.perf_counter()
    for _ in render_frames(renderer, walk, positions, args.size, dim):
        pass
    alone = time.perf_counter() - start
    print(f"| offline render only (no encoding) | {args.frames / alone:.2f} | {1000 * alone / args.frames:.0f} |")
    with tempfile.TemporaryDirectory() as tmp:
        for codec in args.codecs:
            path = Path(tmp) / f"bench{'.mp4' if codec == 'h264' else '.mov'}"
            start = time.perf_counter()
            with FfmpegWriter(path, args.size, args.fps, codec) as writer:
                write_video(render_frames(renderer, walk, positions, args.size, dim), writer)
            seconds = time.perf_counter() - start
            print(f"| offline render + {codec} | {args.frames / seconds:.2f} | {1000 * seconds / args.frames:.0f} |")
        renderer.release()

        surface = HeadlessSurface(args.size, ctx)
        app = App(surface, CppnRenderer(ctx, weights), PerformanceState(latent_dim=dim))
        player = WalkPlayer({"bench": walk}, blend=0.0)
        player.play("bench")
        app.inputs.append(player)
        recorder = LiveRecorder(tmp, args.fps, "h264")
        times, session = time_recording(app, recorder, args.frames)
        surface.close()
    print()
    print("| live loop | median ms/frame | p95 ms/frame |")
    print("|---|---:|---:|")
    for label, values in times.items():
        print(f"| {label} | {1000 * statistics.median(values):.1f} | {1000 * percentile(values, 95):.1f} |")
    base, rec = (statistics.median(v) for v in times.values())
    dropped = session.dropped if session is not None else 0
    print(
        f"\nrecording overhead: {1000 * (rec - base):+.1f} ms/frame ({100 * (rec / base - 1):+.1f}%), "
        f"{dropped} frame(s) dropped"
    )
    return gl_exit_code(ctx)
