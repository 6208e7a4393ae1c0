"""The design canvas (the Fashion Space Explorer's): draw a garment with the mouse and the garment follows.

The operator window calls the drawing methods from its own thread: white and black brushes, brush size, C
clear, R start from the current garment, load a picture. The drawing is averaged down to the model's 28x28
and encoded by the VAE's encoder in numpy (model/encoder_numpy.py, no torch) on the canvas's worker thread,
at most every ENCODE_INTERVAL while drawing and once when a stroke ends, never on the caller's thread or the
render thread. Each encoding is a Source event, the canonical /performer/z with all latents, so the hub writes
it like any controller's (learn, recording and the HUD see it).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from performer.canvas_pixels import downsample, render_garment, stroke_coverage, upsample
from performer.controls.events import ControlEvent
from performer.model.arrays import read_model_arrays
from performer.model.encoder_numpy import NumpyEncoder
from performer.presets.from_image import ImageError, prepare_image
from performer.state import LATENT_LIMIT

log = logging.getLogger(__name__)

ENCODE_INTERVAL = 0.08  # seconds between encodings while a stroke goes on
SCALE = 10  # canvas pixels per model pixel: 280x280 for Fashion-MNIST's 28x28
MAX_PICTURE_BYTES = 64 << 20
WHITE, BLACK = 1.0, 0.0


class DesignCanvas:
    """A drawing surface and a Source. Drawing methods may be called from any one thread (the GUI's);
    `events` from the frame thread. `image()` is what to show: (version, a copy of the canvas pixels)."""

    name = "canvas"

    def __init__(
        self,
        encoder: NumpyEncoder,
        weights=None,  # render.weights.CppnWeights, for start_from (R); None: R clears
        scale: int = SCALE,
        interval: float = ENCODE_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        config = encoder.config
        self.encoder, self.weights, self.interval, self.clock = encoder, weights, interval, clock
        self.model_size, self.channels, self.size = config.image_size, config.channels, config.image_size * scale
        self.brush, self.brush_radius = WHITE, 12.0
        self.stats: dict[str, int] = {"encodes": 0, "strokes": 0, "encode_errors": 0, "picture_errors": 0}
        self.last_encode_ms = 0.0
        self.last_sent: np.ndarray | None = None  # the last z this canvas moved the show to
        self.encode_threads: set[int] = set()  # the ids of the threads that encoded (tests: never the caller)
        self._pixels = np.zeros((self.size, self.size), dtype=np.float32)
        self._stroke_base: np.ndarray | None = None
        self._coverage = np.zeros_like(self._pixels)
        self._last_point: tuple[float, float] | None = None
        self._version = 0
        self._generation = 0  # bumped when the whole canvas is replaced: older encodings are stale
        self._dirty = self._flush = self._closed = self._busy = False
        self._job: Callable[[], bool] | None = None  # R or a picture: slow work for the worker
        self._last_encode_at = float("-inf")
        self._latest: np.ndarray | None = None  # the newest encoding, not yet sent
        self._error: str | None = None
        self._cond = threading.Condition()
        self._worker = threading.Thread(target=self._run, name="canvas-encoder", daemon=True)
        self._worker.start()

    @classmethod
    def from_file(cls, path: str | Path, **options) -> DesignCanvas:
        """The canvas for a model file (ModelFileError naming it if it cannot be used). No torch."""
        from performer.render.weights import CppnWeights

        arrays = read_model_arrays(path)
        return cls(NumpyEncoder.from_arrays(arrays, str(path)), CppnWeights.from_arrays(arrays), **options)

    # ---- drawing (the GUI's thread) ---------------------------------------------------------------------
    def set_brush(self, white: bool) -> None:
        self.brush = WHITE if white else BLACK

    def set_brush_size(self, radius: float) -> None:
        """The brush's radius in canvas pixels, held to 0.5 .. a quarter of the canvas."""
        self.brush_radius = float(np.clip(radius, 0.5, self.size / 4))

    def begin_stroke(self, x: float, y: float) -> None:
        with self._cond:
            self._stroke_base = self._pixels.copy()
            self._coverage[:] = 0.0
            self._last_point = (float(x), float(y))
            self.stats["strokes"] += 1
            self._paint(self._last_point)

    def stroke_to(self, x: float, y: float) -> None:
        """The mouse moved with the button held (a begin_stroke first, else this begins one)."""
        if self._stroke_base is None:
            self.begin_stroke(x, y)
            return
        with self._cond:
            self._paint((float(x), float(y)))

    def end_stroke(self) -> None:
        """The button was released: the drawing as it is now is encoded at once."""
        with self._cond:
            self._stroke_base, self._last_point = None, None
            if self._dirty:
                self._flush = True
                self._cond.notify()

    def clear(self) -> None:
        """C: a black canvas (nothing is encoded: an empty canvas is no garment)."""
        with self._cond:
            self._replace(0.0)

    def start_from(self, z: np.ndarray) -> None:
        """R: the canvas shows the garment at z (the current one), rendered on the worker; drawing goes on from
        there. Nothing is encoded until the drawing changes."""
        z = np.asarray(z, dtype=np.float64).copy()
        with self._cond:
            asked_at = self._version

        def render() -> bool:
            if self.weights is None:
                return False
            pixels = render_garment(self.weights, z, self.size)
            with self._cond:
                if self._version == asked_at:  # a stroke drawn meanwhile wins over the garment asked for
                    self._replace(pixels)
            return False

        self._post(render)

    def load_picture(self, path: str | Path) -> None:
        """A picture file on the canvas (fitted, inverted if its ground is light, as presets/from_image.py
        prepares pictures), then encoded. ImageError now for a missing or oversized file; a file that does
        not decode is reported in error_lines()."""
        path = Path(path)
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise ImageError(f"{path}: cannot be read ({exc.strerror or exc})") from None
        if size > MAX_PICTURE_BYTES:
            raise ImageError(f"{path}: {size} bytes, more than the {MAX_PICTURE_BYTES >> 20} MB a picture may be")

        def load() -> bool:
            try:
                picture = prepare_image(path, self.model_size, 1)[0]
            except ImageError as exc:
                self.stats["picture_errors"] += 1
                self._error = f"canvas: {exc}"[:160]
                return False
            with self._cond:
                self._replace(upsample(picture, self.size))
                self._error = None
            return True

        self._post(load)

    def image(self) -> tuple[int, np.ndarray]:
        """(version, the canvas pixels [size, size] float32 0..1): redraw the texture when the version moves."""
        with self._cond:
            return self._version, self._pixels.copy()

    def model_pixels(self) -> np.ndarray:
        """What the encoder sees: the canvas averaged down to [channels, S, S]."""
        with self._cond:
            return self._model_pixels()

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Until the worker has nothing left to do (tests, tools). False if it is still busy at the timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._dirty or self._job is not None or self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, 0.01))
        return True

    @property
    def idle(self) -> bool:
        """Nothing drawn waits for its encoding and nothing is being rendered: safe to show another garment."""
        with self._cond:
            return not (self._dirty or self._job is not None or self._busy or self._latest is not None)

    # ---- the Source protocol (the frame thread) ---------------------------------------------------------
    def events(self, now: float) -> list[ControlEvent]:
        with self._cond:
            z, self._latest = self._latest, None
        if z is None:
            return []
        self.last_sent = np.asarray(z, dtype=np.float64).copy()  # the operator's canvas knows its own move
        values = tuple(float(v) for v in z)
        return [ControlEvent("osc", "/performer/z", values[0], None, "canvas", now, values, "canvas")]

    def status_line(self) -> str | None:
        if not self.stats["encodes"]:
            return None
        return f"canvas: {self.stats['encodes']} encodes, {self.last_encode_ms:.1f} ms each"

    def error_lines(self) -> list[str]:
        return [self._error] if self._error else []

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify()
        self._worker.join(timeout=2.0)

    # ---- inside ---------------------------------------------------------------------------------------------
    def _model_pixels(self) -> np.ndarray:
        grey = downsample(self._pixels.astype(np.float64), self.model_size)
        return np.repeat(grey[None], self.channels, axis=0)

    def _replace(self, pixels) -> None:
        """Under the lock: new pixels for the whole canvas (C, R, a picture). An encoding of what was there
        before, sent or under way, is dropped: the garment must not jump back to a drawing no longer shown."""
        self._pixels[:] = pixels
        self._stroke_base, self._dirty, self._latest = None, False, None
        self._generation += 1
        self._version += 1

    def _paint(self, point: tuple[float, float]) -> None:
        """Under the lock: the segment from the last point to `point`, over the pixels as the stroke found them
        (coverage is the stroke's maximum, so overlapping segments do not darken the edge twice)."""
        box = stroke_coverage(self._coverage, self._last_point, point, self.brush_radius)
        self._last_point = point
        if box is None:
            return
        base, cover = self._stroke_base[box], self._coverage[box]
        self._pixels[box] = base + (self.brush - base) * cover
        self._version += 1
        self._dirty = True
        self._cond.notify()

    def _post(self, job: Callable[[], bool]) -> None:
        with self._cond:
            self._job = job  # a newer R or picture replaces one not yet started
            self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not (self._dirty or self._job or self._closed):
                    self._cond.wait()
                if self._closed:
                    return
                job, self._job = self._job, None
                self._busy = True
            if job is not None:
                encode_now = self._safely(job)
                with self._cond:
                    self._busy = False
                    if encode_now:
                        self._dirty = self._flush = True
                continue
            with self._cond:
                wait = self._last_encode_at + self.interval - self.clock()
                if wait > 0 and not self._flush and not self._closed:
                    self._busy = False
                    self._cond.wait(wait)  # a stroke's end or close wakes this early
                    continue
                self._dirty = self._flush = False
                self._last_encode_at = self.clock()
            self._encode()
            with self._cond:
                self._busy = False
                self._cond.notify_all()

    def _encode(self) -> None:
        started = time.perf_counter()
        with self._cond:
            generation, pixels = self._generation, self._model_pixels()
        mean = self._safely(lambda: self.encoder.encode(pixels)[0])
        if mean is None or not np.isfinite(mean).all():
            return
        self.last_encode_ms = (time.perf_counter() - started) * 1e3
        self.encode_threads.add(threading.get_ident())
        with self._cond:
            self.stats["encodes"] += 1
            if generation == self._generation:
                self._latest = np.clip(mean, -LATENT_LIMIT, LATENT_LIMIT)

    def _safely(self, work: Callable):
        """The worker never dies: a failure is counted, logged once, and drawing goes on."""
        try:
            return work()
        except Exception:
            self.stats["encode_errors"] += 1
            if self.stats["encode_errors"] == 1:
                log.exception("the design canvas's worker failed (drawing goes on)")
            return None
