"""Frames for benchmarks that need no model file: a real headless frame through performer.render with random
weights of a typical size, or, where there is no EGL, a CPU stand-in (a numpy CPPN of the same shape)."""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np

from performer.state import PerformanceState

log = logging.getLogger(__name__)


def cpu_frame(size: tuple[int, int], hidden: int = 32, layers: int = 3, seed: int = 0) -> Callable:
    """A CPU stand-in for the shader: the same per-pixel CPPN (x, y, r + z-bias -> tanh layers -> sigmoid)."""
    rng = np.random.default_rng(seed)
    w, h = size
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    xs, ys = xs / w * 2 - 1, ys / h * 2 - 1
    coords = np.stack([xs.ravel(), ys.ravel(), np.sqrt(xs**2 + ys**2).ravel()], axis=1)
    coord_w = rng.normal(size=(3, hidden)).astype(np.float32)
    latent_w = rng.normal(size=(8, hidden)).astype(np.float32) * 0.3
    hidden_w = [rng.normal(size=(hidden, hidden)).astype(np.float32) / np.sqrt(hidden) for _ in range(layers)]
    out_w = rng.normal(size=(hidden, 1)).astype(np.float32)

    def frame(state: PerformanceState) -> None:
        x = np.tanh(coords @ coord_w + state.z[:8] @ latent_w)
        for weights in hidden_w:
            x = np.tanh(x @ weights)
        image = 1.0 / (1.0 + np.exp(-(x @ out_w)))
        (image.reshape(h, w) * 255).astype(np.uint8)

    return frame


def gl_frame(size: tuple[int, int]) -> Callable:
    """A real headless frame through performer.render, random weights of a typical size (raises if none)."""
    from performer.render.context import create_headless_context, gil_free_finish
    from performer.render.cppn_renderer import CppnRenderer
    from performer.render.weights import CppnWeights

    rng = np.random.default_rng(0)
    hidden = 32

    def normal(*shape, scale=1.0):
        return (rng.normal(size=shape) * scale).astype(np.float32)

    weights = CppnWeights(
        coord=normal(hidden, 3),
        latent_w=normal(hidden, 8, scale=0.3),
        latent_b=normal(hidden, scale=0.1),
        hidden=tuple((normal(hidden, hidden, scale=hidden**-0.5), normal(hidden, scale=0.1)) for _ in range(3)),
        out_w=normal(1, hidden),
        out_b=normal(1),
        coord_scale=1.0,
    )
    ctx = create_headless_context()
    renderer = CppnRenderer(ctx, weights)
    finish = gil_free_finish(ctx)  # moderngl's ctx.finish() would hold the GIL and starve the OSC thread

    def frame(state: PerformanceState) -> None:
        renderer.render(state, size)
        finish()

    return frame


def make_frame(kind: str, size: tuple[int, int]) -> tuple[Callable, str]:
    if kind in ("auto", "gl"):
        try:
            return gl_frame(size), "gl"
        except Exception as exc:
            if kind == "gl":
                raise
            log.info("headless renderer unavailable (%s): CPU stand-in frame", exc)
    return cpu_frame(size), "cpu"
