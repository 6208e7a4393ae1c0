"""`performer bench-render`: milliseconds per frame of the shader CPPN and the torch CPPN, same weights.

Also the shader's effective multiply-adds per second against this machine's measured peak (a large torch
matmul), and with --weights all, every place the shader can read its weights from.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from performer.cli_types import parse_size
from performer.measure import benchmark_generator, gl_exit_code, median_ms
from performer.paths import DEFAULT_MODEL

SIZES = ((256, 256), (512, 512), (1280, 720))


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("bench-render", description=__doc__)
    p.add_argument(
        "--model",
        type=Path,
        default=DEFAULT_MODEL,
        help="model .safetensors (default: shipped; --random if it does not exist)",
    )
    p.add_argument("--random", action="store_true", help="random weights of the default shape instead")
    p.add_argument("--sizes", type=parse_size, nargs="+", default=list(SIZES), help="WxH sizes")
    p.add_argument("--runs", type=int, default=5, help="timed frames per size (median reported)")
    p.add_argument("--weights", default="auto", choices=("auto", "const", "ubo", "texture", "all"))
    p.add_argument("--no-torch", action="store_true", help="skip the torch timings")
    return p


def peak_macs(runs: int = 5, n: int = 1024) -> float:
    """Multiply-adds per second of a large float32 matmul on all of torch's threads."""
    import torch

    a, b = torch.randn(n, n), torch.randn(n, n)
    seconds = median_ms(lambda: a @ b, runs) / 1000.0
    return n**3 / seconds


def run(args: argparse.Namespace) -> int:
    import numpy as np
    import torch

    from performer.model.checkpoint import ModelFileError
    from performer.render.context import NoGLError, create_headless_context
    from performer.render.cppn_renderer import WEIGHT_MODES, CppnRenderer
    from performer.render.weights import CppnWeights
    from performer.state import PerformanceState

    try:
        generator, source = benchmark_generator(args.model, args.random)
        ctx = create_headless_context()
    except (ModelFileError, NoGLError) as exc:
        print(f"error: {exc}")
        return 2
    weights = CppnWeights.from_generator(generator)
    state = PerformanceState(latent_dim=weights.latent_dim)
    state.set_z(np.random.default_rng(0).standard_normal(weights.latent_dim))
    z = torch.from_numpy(state.z.copy())[None]
    modes = WEIGHT_MODES if args.weights == "all" else (args.weights,)
    renderers = {mode: CppnRenderer(ctx, weights, mode) for mode in modes}
    peak = peak_macs()
    print(
        f"model: {source}; CPPN {weights.hidden_units}x{len(weights.hidden) + 1}, "
        f"{weights.macs_per_pixel} multiply-adds/pixel"
    )
    print(
        f"GL: {ctx.info['GL_RENDERER']} ({ctx.info['GL_VERSION']}); torch {torch.__version__} on "
        f"{torch.get_num_threads()} thread(s); medians of {args.runs} frames"
    )
    print(f"measured peak: {peak / 1e9:.1f} GMAC/s (float32 1024x1024 matmul, torch)")
    print()
    header = "| size | weights | shader ms | torch ms | shader/torch | shader GMAC/s | % of peak |"
    print(header)
    print("|---|---|---:|---:|---:|---:|---:|")
    for width, height in args.sizes:
        torch_ms = float("nan")
        if not args.no_torch:
            with torch.no_grad():
                torch_ms = median_ms(lambda: generator.render(z, width, height), args.runs)  # noqa: B023
        for renderer in renderers.values():

            def frame(renderer=renderer, width=width, height=height) -> None:
                renderer.render(state, (width, height))
                ctx.finish()  # wait for the frame, not just for the commands to be queued

            shader_ms = median_ms(frame, args.runs)
            macs = weights.macs_per_pixel * width * height / (shader_ms / 1000.0)
            print(
                f"| {width}x{height} | {renderer.weight_mode} | {shader_ms:.1f} | {torch_ms:.1f} | "
                f"{shader_ms / torch_ms:.3f} | {macs / 1e9:.2f} | {100 * macs / peak:.1f}% |"
            )
    return gl_exit_code(ctx)
