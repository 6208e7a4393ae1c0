"""What the benchmark commands measure with: a median of timed calls, resident memory, the GL error state,
the generator a benchmark times (the model file's, or random weights of the default shape), and Orbit, an
input that keeps z moving so that every frame of a live-loop benchmark is a real render."""

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


class Orbit:
    """An input that moves z a little every frame (every frame a real render), notes the render scale and
    ends the loop after `seconds`."""

    def __init__(self, app, start, seconds: float) -> None:
        self.app, self.start, self.seconds = app, start, seconds
        self.started = time.perf_counter()
        self.trace: list[tuple[float, float, int]] = []  # (seconds in, scale, frames shown) once a frame

    def update(self, state, now, dt) -> None:
        import numpy as np

        elapsed = time.perf_counter() - self.started
        self.trace.append((elapsed, self.app.renderer.render_scale, self.app.frames))
        if elapsed >= self.seconds:
            self.app.quit()
        phase = np.arange(len(self.start))
        state.set_z(self.start + 0.6 * np.sin(0.7 * elapsed + phase))


def time_recording(app, recorder, frames: int) -> tuple[dict[str, list[float]], object]:
    """The live loop's seconds a frame, `frames` frames without the recorder and then `frames` with it
    recording (the frame finished each time: GL work counted where it happens); and the recording's session
    (its dropped frames). The recorder is closed at the end."""
    times: dict[str, list[float]] = {"not recording": [], f"recording {recorder.codec.name}": []}
    app.run(2)  # warm-up: shader compile
    for label in times:
        if label.startswith("recording"):
            recorder.start()
            app.add_output(recorder)
        for _ in range(frames):
            start = time.perf_counter()
            app.run(1)
            app.renderer.ctx.finish()
            times[label].append(time.perf_counter() - start)
    session = recorder.session
    recorder.close()
    return times, session
