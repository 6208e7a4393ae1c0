"""`performer bench-isf`: the exported ISF shader against performer's own, in one run on this GL.

The per-pixel arithmetic (counted from the generated source, and by the compiler: SPIR-V after spirv-opt -O),
milliseconds per frame of each (the ISF one through the minimal ISF host, as VDMX or Resolume would wrap it;
performer's through CppnRenderer), and how far apart their pictures are in 8-bit levels.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from performer.cli_types import parse_size
from performer.paths import DEFAULT_LANDMARKS, DEFAULT_MODEL

SIZES = ((256, 256), (1280, 720))


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("bench-isf", description=__doc__)
    p.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="model .safetensors (default: shipped)")
    p.add_argument("--sizes", type=parse_size, nargs="+", default=list(SIZES), help="WxH sizes")
    p.add_argument("--runs", type=int, default=5, help="timed frames per size (median reported)")
    return p


def interleaved_medians(first, second, runs: int) -> tuple[float, float]:
    """Median ms of each, timed in turns (first, second, first, ...) so that a busy machine slows both alike."""
    import statistics
    import time

    first(), second()  # warm-up: the driver compiles a program at its first draw
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(runs):
        for fn, spent in zip((first, second), times, strict=True):
            start = time.perf_counter()
            fn()
            spent.append(1000.0 * (time.perf_counter() - start))
    return statistics.median(times[0]), statistics.median(times[1])


def print_counts(weights, isf_fragment: str, performer_fragment: str) -> None:
    from performer.export.cppn_glsl import activation_text, shader_cost
    from performer.export.spirv_count import spirv_counts, tools_missing

    cost = shader_cost(weights)
    print(
        f"counted from the source, per pixel: ISF {cost.total_macs:,} multiply-adds ({cost.network_macs:,} network"
        f" + {cost.latent_macs:,} latent terms) and {activation_text(cost)}; performer {cost.network_macs:,} and "
        f"{activation_text(cost)} (its latent terms are computed once a frame on the CPU)"
    )
    missing = tools_missing()
    if missing:
        print(f"SPIR-V counts skipped: {missing}")
        return
    print()
    print(
        "| shader (SPIR-V after spirv-opt -O) | mat4*vec4 | their multiply-adds | exp lanes | sin lanes "
        "| other float lanes |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for name, source in (("ISF export", isf_fragment), ("performer (const weights)", performer_fragment)):
        try:
            counts = spirv_counts(source)
        except RuntimeError as exc:
            print(f"| {name} | {exc} | | | | |")
            continue
        print(
            f"| {name} | {counts.matrix_products} | {counts.matrix_macs:,} | {counts.exp_lanes} | "
            f"{counts.sin_lanes} | {counts.other_lanes:,} |"
        )


def run(args: argparse.Namespace) -> int:
    import os
    import time

    import numpy as np

    from performer.export.files import export_look
    from performer.export.isf import isf_source
    from performer.export.isf_host import IsfHost, wrap_fragment
    from performer.measure import gl_exit_code
    from performer.model.arrays import ModelFileError
    from performer.presets.landmarks import LandmarkError, load_landmarks
    from performer.render.context import NoGLError, create_headless_context
    from performer.render.cppn_renderer import CppnRenderer
    from performer.render.weights import CppnWeights
    from performer.state import PerformanceState

    # Mesa's shader cache would make the second run's compile time a cache lookup: this process compiles afresh.
    os.environ["MESA_SHADER_CACHE_DISABLE"] = "true"
    try:
        weights = CppnWeights.from_file(args.model)
        ctx = create_headless_context()
    except (ModelFileError, NoGLError) as exc:
        print(f"error: {exc}")
        return 2
    try:
        landmarks = load_landmarks(DEFAULT_LANDMARKS, weights.latent_dim) if DEFAULT_LANDMARKS.is_file() else None
    except LandmarkError:
        landmarks = None
    look = export_look(weights, landmarks)
    state = PerformanceState(latent_dim=weights.latent_dim)
    state.set_z(np.array(look.z))
    state.params["zoom"] = look.zoom
    started = time.perf_counter()
    host = IsfHost(ctx, isf_source(weights, look, args.model.name))
    host.draw((64, 64))
    ctx.finish()
    isf_start = time.perf_counter() - started
    started = time.perf_counter()
    renderer = CppnRenderer(ctx, weights, "const")
    renderer.render(state, (64, 64))
    ctx.finish()
    performer_start = time.perf_counter() - started
    print(
        f"model: {args.model}; GL: {ctx.info['GL_RENDERER']} ({ctx.info['GL_VERSION']}); medians of {args.runs} "
        "frames each, timed in turns"
    )
    print(f"compile and first frame (no shader cache): ISF {isf_start:.2f} s, performer {performer_start:.2f} s")
    print_counts(weights, wrap_fragment(host.document), renderer.program.sources()["FRAGMENT_SHADER"])
    print()
    print("| size | ISF ms/frame | performer ms/frame | ISF/performer | max difference (of 255) |")
    print("|---|---:|---:|---:|---:|")
    for width, height in args.sizes:

        def isf_frame(width=width, height=height) -> None:
            host.draw((width, height))
            ctx.finish()

        def performer_frame(width=width, height=height) -> None:
            renderer.render(state, (width, height))
            ctx.finish()

        isf_ms, performer_ms = interleaved_medians(isf_frame, performer_frame, args.runs)
        ours = host.render((width, height))[..., :3].astype(int)
        theirs = renderer.render(state, (width, height)).read_rgb().astype(int)
        difference = int(np.abs(ours - theirs).max())
        print(f"| {width}x{height} | {isf_ms:.1f} | {performer_ms:.1f} | {isf_ms / performer_ms:.2f} | {difference} |")
    host.release()
    renderer.release()
    return gl_exit_code(ctx)
