"""`performer bench-prints`: milliseconds per stylised frame (torch) and render-loop fps with and without
prints, in the same run. With --sheet, also a picture of a garment in every print (procedural and learned).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

from performer.cli_types import parse_size
from performer.paths import DEFAULT_LANDMARKS, DEFAULT_MODEL, DEFAULT_PRINTS

STYLE_SIZES = (256, 512)
SHEET_LANDMARKS = ("dress", "pullover", "bag")  # the sheet's rows: shipped landmarks, where a show goes
SLOW_WORKER_SECONDS = 0.5


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("bench-prints", description=__doc__)
    p.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="CPPN model (default: shipped)")
    p.add_argument("--prints", type=Path, default=DEFAULT_PRINTS, help="print file (default: shipped)")
    p.add_argument("--runs", type=int, default=10, help="timed stylisations per size (median reported)")
    p.add_argument("--loop-size", type=parse_size, default=(512, 512), help="render-loop frame size WxH")
    p.add_argument("--loop-frames", type=int, default=60, help="frames per render-loop measurement")
    p.add_argument("--threads", type=int, help="torch CPU threads for the print network")
    p.add_argument("--sheet", type=Path, help="write a garment-in-every-print PNG here")
    p.add_argument(
        "--style",
        action="store_true",
        help="only judge how each learned print reads as its style (style, colour, round dots)",
    )
    p.add_argument(
        "--loss-net",
        type=Path,
        help="with --style: measure the style distance in this trained loss network, or 'random' "
        "(default: the one the prints were trained with)",
    )
    return p


def time_stylise(net, size: int, runs: int) -> float:
    import torch

    image = torch.rand(1, net.config.in_channels, size, size)
    weights = net.mix_weights(0, min(1, net.config.prints - 1), 0.5)
    with torch.inference_mode():
        net(image, weights)  # warm-up: allocator, kernel selection
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            net(image, weights)
            times.append(time.perf_counter() - start)
    return 1000.0 * statistics.median(times)


def loop_fps(surface, renderer, state, layer, frames: int) -> tuple[float, int]:
    """Frames per second of the app loop while z moves every frame (every frame is a real redraw)."""
    from performer.app import App

    app = App(surface, renderer, state, seed=0)
    if layer is not None:
        app.inputs.append(layer)
    start_uploads = layer.uploads if layer is not None else 0

    def drift(state, now, dt) -> None:
        state.set_latent(0, float(state.z[0]) + 0.01)

    class Drift:
        update = staticmethod(drift)

    app.inputs.append(Drift())
    app.run(5)  # warm-up
    renderer.ctx.finish()
    start = time.perf_counter()
    app.run(frames)
    renderer.ctx.finish()
    seconds = time.perf_counter() - start
    return frames / seconds, (layer.uploads - start_uploads) if layer is not None else 0


def run(args: argparse.Namespace) -> int:
    import numpy as np
    import torch

    from performer.model.checkpoint import ModelFileError, load_model
    from performer.prints.files import PrintFileError, load_prints
    from performer.prints.live import PrintLayer
    from performer.prints.process_worker import ProcessPrintWorker
    from performer.prints.stylise import make_stylise
    from performer.prints.worker import PrintWorker
    from performer.render.context import NoGLError
    from performer.render.cppn_renderer import CppnRenderer
    from performer.render.weights import CppnWeights
    from performer.render.window import HeadlessSurface
    from performer.state import PerformanceState

    # The same default as play: the GL driver may be on the CPU too, so torch gets half the cores.
    threads = args.threads or max(1, (os.cpu_count() or 2) // 2)
    torch.set_num_threads(threads)
    try:
        prints = load_prints(args.prints)
        model = load_model(args.model)
    except (PrintFileError, ModelFileError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.style:
        from performer.prints.features import FeatureError
        from performer.prints.style_report import judge_prints, markdown

        try:
            print(markdown(*judge_prints(args.model, args.prints, loss_net=args.loss_net)))
        except FeatureError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        return 0
    net = prints.net
    print(
        f"prints: {prints.path} ({', '.join(prints.names)}); network {net.config.width} channels, "
        f"{net.config.residual_blocks} residual blocks, {sum(p.numel() for p in net.parameters())} parameters"
    )
    print(f"model: {args.model}; torch {torch.__version__} on {torch.get_num_threads()} thread(s), CPU")
    print()
    print("| stylised frame | ms (median) | GMAC/frame |")
    print("|---|---:|---:|")
    for size in STYLE_SIZES:
        ms = time_stylise(net, size, args.runs)
        print(f"| {size}x{size} | {ms:.1f} | {net.config.macs(size) / 1e9:.2f} |")
    try:
        surface = HeadlessSurface(args.loop_size)
    except NoGLError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    weights = CppnWeights.from_generator(model.generator)
    renderer = CppnRenderer(surface.ctx, weights)
    state = PerformanceState(latent_dim=weights.latent_dim)
    state.set_z(np.random.default_rng(0).standard_normal(weights.latent_dim))
    stylise = make_stylise(model.generator, net)

    def slow(request):
        """The same print after half a second asleep: a worker far slower than the display that takes
        no CPU, so what this row measures is the handoff, not the two cores being shared."""
        time.sleep(SLOW_WORKER_SECONDS)
        return stylise(request)

    layer = PrintLayer(surface.ctx, prints.names, ProcessPrintWorker(args.model, args.prints, "cpu", threads))
    thread_layer = PrintLayer(surface.ctx, prints.names, PrintWorker(stylise))
    slow_layer = PrintLayer(surface.ctx, prints.names, PrintWorker(slow))
    wait_for_start(layer, state)
    rows = []
    try:
        for label, opacity, a, print_layer in (
            ("no prints", 0.0, 0, None),
            ("procedural (stripes)", 1.0, 0, None),
            ("learned, worker process (what play uses)", 1.0, 3, layer),
            ("learned, worker thread", 1.0, 3, thread_layer),
            (f"learned, slow worker thread ({SLOW_WORKER_SECONDS:g} s asleep + stylise)", 1.0, 3, slow_layer),
        ):
            state.set("print_opacity", opacity)
            state.set("print_a", a)
            state.set("print_b", a)
            renderer.prints = print_layer
            fps, uploads = loop_fps(surface, renderer, state, print_layer, args.loop_frames)
            rows.append((label, fps, uploads))
        if args.sheet:
            write_sheet(args.sheet, renderer, layer, state, model.generator.config.latent_dim)
    finally:
        layer.release()
        thread_layer.release()
        slow_layer.release()
        renderer.release()
        surface.close()
    print()
    print(
        f"| render loop {args.loop_size[0]}x{args.loop_size[1]}, z moving every frame | fps | ms/frame | "
        "print textures received |"
    )
    print("|---|---:|---:|---:|")
    for label, fps, uploads in rows:
        print(f"| {label} | {fps:.1f} | {1000 / fps:.1f} | {uploads} |")
    if args.sheet:
        print(f"\nwrote {args.sheet}")
    return 0


def write_sheet(path: Path, renderer, layer, state, latent_dim: int, size: int = 192) -> None:
    """Rows: a few shipped landmarks' garments; columns: no print, then every slot (waiting for the worker's
    frame)."""
    import imageio.v3 as iio
    import numpy as np

    from performer.grid import tile

    images = []
    renderer.prints = layer
    from performer.presets.landmarks import find_landmark, load_landmarks

    landmarks = load_landmarks(DEFAULT_LANDMARKS, latent_dim)
    for name in SHEET_LANDMARKS:
        state.set_z(np.asarray(find_landmark(landmarks, name).z, dtype=np.float64))
        for index in [-1, *range(len(layer.table))]:
            state.set("print_opacity", 0.0 if index < 0 else 1.0)
            state.set("print_a", max(index, 0))
            state.set("print_b", max(index, 0))
            layer.update(state, 0.0, 0.0)
            if index >= 0 and layer.table[index].learned is not None:
                wait_for(layer, state)
            images.append(renderer.render(state, (size, size)).read_rgb())
    import torch

    batch = torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).float() / 255.0
    iio.imwrite(path, tile(batch, columns=len(layer.table) + 1))


def wait_for_start(layer, state, timeout: float = 60.0) -> None:
    """Until a process worker has loaded and answered once (its start-up is not what the loop measures)."""
    state.set("print_opacity", 1.0)
    state.set("print_a", 3)
    layer.update(state, 0.0, 0.0)
    wait_for(layer, state, timeout)
    state.set("print_opacity", 0.0)


def wait_for(layer, state, timeout: float = 30.0) -> None:
    """Until the worker's newest texture is the one for the current request."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        latest = layer.worker.latest()
        if latest is not None and latest.request == layer.last_request:
            layer.update(state, 0.0, 0.0)
            return
        time.sleep(0.005)
    raise TimeoutError("the print worker did not answer in time")
