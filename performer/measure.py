"""What the benchmark commands measure with: a median of timed calls, resident memory, the GL error state,
and the generator a benchmark times (the model file's, or random weights of the default shape)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path


def median_ms(fn: Callable[[], object], runs: int) -> float:
    fn()  # warm-up: shader compile / JIT, torch allocator
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1000.0 * statistics.median(times)


def rss_kb() -> int:
    """This process's resident memory in KB (0 where /proc is not there)."""
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
        import resource

        return pages * resource.getpagesize() // 1024
    except (OSError, ValueError, IndexError):
        return 0


def gl_exit_code(ctx) -> int:
    """A benchmark's exit status: 1 (and the error printed) if OpenGL reported an error, else 0."""
    if ctx.error != "GL_NO_ERROR":
        print(f"error: OpenGL reported {ctx.error}")
        return 1
    return 0


def benchmark_generator(model: Path, random: bool):
    """(torch CPPN, where it came from): the model file's generator, or seeded random weights of the default
    shape when asked or when the file is not there."""
    import torch

    from performer.model.checkpoint import load_model
    from performer.model.config import ModelConfig
    from performer.model.cppn import CPPN

    if not random and model.is_file():
        return load_model(model).generator, str(model)
    torch.manual_seed(0)
    generator = CPPN(ModelConfig()).eval()
    with torch.no_grad():
        for layer in generator.modules():
            if isinstance(layer, torch.nn.Linear):
                layer.weight.normal_(0.0, 2.0 / layer.in_features**0.5)
    return generator, "random weights (default shape)"
