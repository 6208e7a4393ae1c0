"""The print worker: stylises on its own thread so the render loop never waits for the network.

Handoff is latest-frame-wins in both directions: submit() replaces any request not yet started (a fader
sweep never builds a queue), and the render loop polls latest() for the newest finished texture, which it
uploads and keeps drawing until the next one. A slow worker lowers how often the print updates, never the
frame rate. A thread is enough: torch releases the GIL inside its kernels, and the Python between them is
a few hundred microseconds a frame.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PrintRequest:
    z: tuple[float, ...]
    a: int  # print index inside the print file
    b: int
    mix: float  # 0 = all a, 1 = all b
    size: int = 256  # working resolution of the garment frame (print_scale sets it)


@dataclass(frozen=True)
class PrintResult:
    sequence: int  # increases with every finished frame
    image: np.ndarray  # uint8 [S, S, 3], row 0 at the top, in the garment frame
    request: PrintRequest
    seconds: float  # time the stylisation took


Stylise = Callable[[PrintRequest], np.ndarray]


class PrintWorker:
    MAX_FAILURES = 5  # consecutive errors before the worker gives up (and says so once)

    def __init__(self, stylise: Stylise, name: str = "print-worker") -> None:
        self.stylise = stylise
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._pending: PrintRequest | None = None
        self._latest: PrintResult | None = None
        self._stopping = False
        self._sequence = 0
        self.failures = 0
        self.failed = False
        self.dropped = 0  # requests replaced before the worker got to them
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, request: PrintRequest) -> None:
        """Never blocks beyond a lock held for a few instructions."""
        with self._wake:
            if self._pending is not None:
                self.dropped += 1
            self._pending = request
            self._wake.notify()

    def latest(self) -> PrintResult | None:
        with self._lock:
            return self._latest

    @property
    def busy(self) -> bool:
        with self._lock:
            return self._pending is not None

    def _run(self) -> None:
        while True:
            with self._wake:
                while self._pending is None and not self._stopping:
                    self._wake.wait()
                if self._stopping:
                    return
                request, self._pending = self._pending, None
            start = time.perf_counter()
            try:
                image = np.ascontiguousarray(self.stylise(request), dtype=np.uint8)
            except Exception:  # a failing network must not take the show down; log and keep playing
                self.failures += 1
                log.exception("print worker failed (%d in a row)", self.failures)
                if self.failures >= self.MAX_FAILURES:
                    self.failed = True
                    log.error("print worker stopped after %d failures; learned prints are off", self.failures)
                    return
                continue
            self.failures = 0
            seconds = time.perf_counter() - start
            with self._lock:
                self._sequence += 1
                self._latest = PrintResult(self._sequence, image, request, seconds)

    def stop(self, timeout: float = 5.0) -> None:
        with self._wake:
            self._stopping = True
            self._wake.notify()
        self._thread.join(timeout)


class ImmediatePrintWorker:
    """The PrintWorker interface, stylising in the caller's thread at submit(): for offline rendering, where
    every frame must show the print of its own latent (frame-exact, repeatable) and nobody is waiting live.
    An error is raised to the caller: an offline render should stop, not silently lose its prints."""

    failed = False

    def __init__(self, stylise: Stylise) -> None:
        self.stylise = stylise
        self._latest: PrintResult | None = None
        self._sequence = 0

    def submit(self, request: PrintRequest) -> None:
        start = time.perf_counter()
        image = np.ascontiguousarray(self.stylise(request), dtype=np.uint8)
        self._sequence += 1
        self._latest = PrintResult(self._sequence, image, request, time.perf_counter() - start)

    def latest(self) -> PrintResult | None:
        return self._latest

    def stop(self, timeout: float = 0.0) -> None:
        pass
