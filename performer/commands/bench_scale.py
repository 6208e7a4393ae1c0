"""`performer bench-scale`: what the render scale costs in picture and buys in frame rate.

1. PSNR of each scale (the CPPN drawn at 0.25, 0.5, 0.75 of the output's size and upscaled with Catmull-Rom,
   as play does) against the same frame rendered at full size, over real garments from the model file
   (its garment latents, or the prior without them), with the render time at each scale.
2. The live loop at the output size (default 640x360) with `--render-scale auto` and --fps (default 60)
   while z moves every frame (every frame a real render): frames a second once settled, the scale it
   settled at and how often it changed; then the same loop at scale 1 for comparison.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from performer.cli_types import parse_fps, parse_size
from performer.paths import DEFAULT_MODEL

SCALES = (0.25, 0.5, 0.75, 1.0)


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("bench-scale", description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="model .safetensors (default: shipped)")
    p.add_argument("--size", type=parse_size, default=(640, 360), help="output size WxH (default 640x360)")
    p.add_argument("--psnr-size", type=parse_size, default=(1280, 720), help="size of the PSNR frames")
    p.add_argument("--garments", type=int, default=8, help="frames the PSNR is averaged over")
    p.add_argument("--fps", type=parse_fps, default=60.0, help="the frame budget auto holds (default 60)")
    p.add_argument("--seconds", type=float, default=12.0, help="length of the auto loop (default 12)")
    p.add_argument("--weights", default="auto", choices=("auto", "const", "ubo", "texture"))
    return p


def psnr(a, b, where=None) -> float:
    """PSNR of uint8 images a against b, over the pixels `where` is true (default: all)."""
    import numpy as np

    squared = (a.astype(np.float64) - b.astype(np.float64)) ** 2
    mse = float(np.mean(squared if where is None else squared[where]))
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)


def nearest(small, size):
    """`small` blown up to `size` by repeating pixels: what the upscale is compared with."""
    import numpy as np

    (h, w), (width, height) = small.shape[:2], size
    rows = np.minimum(((np.arange(height) + 0.5) * h / height).astype(int), h - 1)
    columns = np.minimum(((np.arange(width) + 0.5) * w / width).astype(int), w - 1)
    return small[rows][:, columns]


# The default look, and a hard one: zoomed out (the garment small in the frame) with the stripes print,
# which has edges a pixel wide that no upscale can bring back.
LOOKS = {"default look": {}, "zoom 0.5 + stripes": {"zoom": 0.5, "print_opacity": 1.0, "print_a": 0}}


def picture_table(renderer, zs, size, look: dict) -> list[tuple[float, ...]]:
    """For every scale against scale 1 at `size`: (scale, mean PSNR, lowest PSNR, mean PSNR on the garment
    alone (where the full frame is not background), mean PSNR of nearest-pixel upscaling, median render ms)."""
    from performer.state import PerformanceState

    state = PerformanceState(latent_dim=zs.shape[1])
    state.params.update(look)
    full = []
    renderer.render_scale = 1.0
    for z in zs:
        state.set_z(z)
        full.append(renderer.render(state, size).read_rgb())
    rows = []
    for scale in SCALES:
        renderer.render_scale = scale
        values, times, garment, blocky = [], [], [], []
        for z, reference in zip(zs, full, strict=True):
            state.set_z(z)
            started = time.perf_counter()
            target = renderer.render(state, size)
            renderer.ctx.finish()
            times.append(time.perf_counter() - started)
            values.append(psnr(target.read_rgb(), reference))
            garment.append(psnr(target.read_rgb(), reference, reference.max(axis=2) > 8))
            small = renderer.small.read_rgb() if scale < 1 else reference
            blocky.append(psnr(nearest(small, size), reference))
        means = statistics.fmean(values), min(values), statistics.fmean(garment), statistics.fmean(blocky)
        rows.append((scale, *means, 1000 * statistics.median(times)))
    renderer.render_scale = 1.0
    return rows


def live_loop(surface, renderer, start_z, fps: float, seconds: float, auto: bool) -> dict:
    """The app loop for `seconds` at --fps; frames a second over the second half and the scale's trace."""
    from performer.app import App
    from performer.measure import Orbit
    from performer.render.scale import AutoScale
    from performer.state import PerformanceState

    state = PerformanceState(latent_dim=len(start_z))
    renderer.render_scale, renderer.scale_control = 1.0, (AutoScale(1.0 / fps) if auto else None)
    app = App(surface, renderer, state, fps=fps, seed=0)
    orbit = Orbit(app, start_z, seconds)
    app.inputs.append(orbit)
    app.run()
    trace = orbit.trace
    half = next(i for i, row in enumerate(trace) if row[0] >= seconds / 2)
    moves = [t for (t, s, _), (_, before, _) in zip(trace[1:], trace[:-1], strict=True) if s != before]
    result = {
        "fps": (trace[-1][2] - trace[half][2]) / (trace[-1][0] - trace[half][0]),
        "scale": renderer.render_scale,
        "changes": len(moves),
        "settled_s": moves[-1] if moves else 0.0,
        "render_ms": app.timing.render_ms,
    }
    renderer.scale_control = None
    renderer.render_scale = 1.0
    return result


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from performer.measure import gl_exit_code
    from performer.model.checkpoint import ModelFileError
    from performer.render.context import NoGLError
    from performer.render.cppn_renderer import CppnRenderer
    from performer.render.weights import CppnWeights
    from performer.render.window import HeadlessSurface

    try:
        weights = CppnWeights.from_file(args.model)
        surface = HeadlessSurface(args.size)
    except (ModelFileError, NoGLError, OSError) as exc:
        print(f"error: {exc}")
        return 2
    rng = np.random.default_rng(0)
    if weights.garments is not None and len(weights.garments):
        zs = weights.garments[rng.choice(len(weights.garments), min(args.garments, len(weights.garments)), False)]
    else:
        zs = rng.standard_normal((args.garments, weights.latent_dim))
    renderer = CppnRenderer(surface.ctx, weights, args.weights)
    try:
        width, height = args.psnr_size
        print(f"PSNR against scale 1 at {width}x{height}, {len(zs)} garments (Catmull-Rom upscale):")
        for name, look in LOOKS.items():
            print(f"  {name}:\n    scale  PSNR mean   lowest  garment  (nearest)  render ms")
            for scale, mean, low, garment, blocky, ms in picture_table(renderer, zs, args.psnr_size, look):
                shown = f"{mean:6.1f} dB  {low:5.1f}  {garment:7.1f}  ({blocky:5.1f})" if scale < 1 else "exact"
                print(f"    {scale:5.2f}  {shown:>37}  {ms:9.1f}")
        width, height = args.size
        print(f"live loop at {width}x{height}, --fps {args.fps:g}, z moving every frame:")
        for auto, seconds in ((True, args.seconds), (False, max(4.0, args.seconds / 3))):
            r = live_loop(surface, renderer, zs[0], args.fps, seconds, auto)
            name = "auto   " if auto else "scale 1"
            held = "held" if r["fps"] >= 0.97 * args.fps else "NOT held"
            print(
                f"  {name}: {r['fps']:5.1f} frames/s over the second half ({held}), scale {r['scale']:.2f}, "
                f"{r['changes']} change(s), the last at {r['settled_s']:.1f} s; render {r['render_ms']:.1f} ms"
            )
    finally:
        renderer.release()
    code = gl_exit_code(surface.ctx)
    surface.close()
    return code
