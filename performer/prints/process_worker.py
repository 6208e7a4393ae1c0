"""The print worker in its own process: same interface as PrintWorker, for the live loop.

A thread is not enough when the GL driver runs on the CPU: moderngl keeps the GIL while llvmpipe draws
and while the frame is read back, so a worker thread waits for every frame and, measured here, delivered
3 prints in 6 s instead of ~12 a second. A process has its own interpreter. The handoff stays latest-wins:
the child drains its request queue and works on the newest only; the parent drains the result queue each
frame and keeps the newest. Results are 256x256x3 bytes (192 KB), cheap to pickle across a pipe.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import queue
import time
from pathlib import Path

from performer.prints.worker import PrintRequest, PrintResult

log = logging.getLogger(__name__)

STOP = None  # the request that ends the child
NICENESS = 10


def serve(model_path: str, prints_path: str, device: str, threads: int, requests, results) -> None:
    """The child's loop: load once, then stylise the newest request until told to stop."""
    import torch

    from performer.model.checkpoint import load_model
    from performer.prints.files import load_prints
    from performer.prints.live import make_stylise

    try:
        if device == "cpu":
            torch.set_num_threads(threads)
            # Below the render loop: when the GL driver is on the CPU too (llvmpipe), the frame gets the
            # cores first and prints use what is left; the print updates slower, the frame rate holds.
            os.nice(NICENESS)
        stylise = make_stylise(load_model(model_path, device).generator, load_prints(prints_path, device).net)
    except Exception as exc:  # reported to the parent, which logs it and turns learned prints off
        results.put(("error", f"print worker could not start: {exc}"))
        return
    sequence = 0
    while True:
        request = requests.get()
        try:
            while True:  # latest wins: skip everything that queued up while the last frame was made
                request = requests.get_nowait()
        except queue.Empty:
            pass
        if request is STOP:
            return
        start = time.perf_counter()
        try:
            image = stylise(request)
        except Exception as exc:
            results.put(("error", f"print worker failed: {exc}"))
            return
        sequence += 1
        results.put(("ok", PrintResult(sequence, image, request, time.perf_counter() - start)))


class ProcessPrintWorker:
    def __init__(self, model_path: str | Path, prints_path: str | Path, device: str = "cpu",
                 threads: int = 1) -> None:
        context = multiprocessing.get_context("spawn")  # fork would copy the GL context and torch's threads
        self._requests = context.Queue()
        self._results = context.Queue()
        self._process = context.Process(
            target=serve, name="print-worker", daemon=True,
            args=(str(model_path), str(prints_path), device, threads, self._requests, self._results))
        self._process.start()
        self._latest: PrintResult | None = None
        self._pending = 0
        self.failed = False

    def submit(self, request: PrintRequest) -> None:
        if not self.failed:
            self._requests.put(request)  # a feeder thread pickles it: never blocks the frame

    def latest(self) -> PrintResult | None:
        while True:
            try:
                status, payload = self._results.get_nowait()
            except queue.Empty:
                break
            if status == "error":
                if not self.failed:
                    log.error("learned prints off: %s", payload)
                self.failed = True
            else:
                self._latest = payload
        return self._latest

    @property
    def busy(self) -> bool:
        return self._process.is_alive() and not self._requests.empty()

    def stop(self, timeout: float = 5.0) -> None:
        if self._process.is_alive():
            self._requests.put(STOP)
            self._process.join(timeout)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(1.0)
        for channel in (self._requests, self._results):
            channel.cancel_join_thread()  # unread results must not hang the exit
            channel.close()
