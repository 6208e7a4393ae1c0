"""The print worker in its own process: same interface as PrintWorker, for the live loop.

A thread is not enough when the GL driver runs on the CPU: moderngl keeps the GIL while llvmpipe draws
and while the frame is read back, so a worker thread waits for every frame and, measured here, delivered
3 prints in 6 s instead of ~12 a second. A process has its own interpreter. The handoff stays latest-wins:
the child drains its request queue and works on the newest only; the parent drains the result queue each
frame and keeps the newest. Results are 256x256x3 bytes (192 KB), cheap to pickle across a pipe.
"""

from __future__ import annotations

import dataclasses
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
    from performer.prints.stylise import make_stylise, pick_device

    try:
        device = pick_device(device)  # "auto": decided here, so the parent never imports torch to ask
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
    """A child that dies without a word (killed, out of memory, a crash in native code) is started again, up
    to `max_restarts` times; one that reports an error (a bad file, a failing network) is not: that would
    only fail again. Either way the show keeps the last print and goes on."""

    def __init__(
        self,
        model_path: str | Path,
        prints_path: str | Path,
        device: str = "cpu",
        threads: int = 1,
        max_restarts: int = 3,
    ) -> None:
        self._args = (str(model_path), str(prints_path), device, threads)
        self._context = multiprocessing.get_context("spawn")  # fork would copy the GL context and torch's threads
        self.max_restarts = max_restarts
        self.restarts = 0
        self._latest: PrintResult | None = None
        self._sequence = 0  # numbered here, so a restarted child's results still count up
        self._stopping = False
        self._last_request: PrintRequest | None = None
        self.failed = False
        self._start()

    def _start(self) -> None:
        self._requests = self._context.Queue()
        self._results = self._context.Queue()
        self._process = self._context.Process(
            target=serve, name="print-worker", daemon=True, args=(*self._args, self._requests, self._results)
        )
        self._process.start()

    def submit(self, request: PrintRequest) -> None:
        self._last_request = request
        if not self.failed:
            self._requests.put(request)  # a feeder thread pickles it: never blocks the frame

    def latest(self) -> PrintResult | None:
        self._drain()
        self._check_alive()
        return self._latest

    def _drain(self) -> None:
        while True:
            try:
                status, payload = self._results.get_nowait()
            except (queue.Empty, OSError, EOFError):
                break
            if status == "error":
                if not self.failed:
                    log.error("learned prints off: %s", payload)
                self.failed = True
            else:
                self._sequence += 1
                self._latest = dataclasses.replace(payload, sequence=self._sequence)

    def _check_alive(self) -> None:
        if self.failed or self._stopping or self._process.is_alive():
            return
        self._drain()  # its last words may have arrived after the first look
        if self.failed:
            return
        code = self._process.exitcode
        self._close_channels()
        if self.restarts >= self.max_restarts:
            log.error("print worker exited (code %s) %d times; learned prints off", code, self.restarts + 1)
            self.failed = True
            return
        self.restarts += 1
        log.warning(
            "print worker exited (code %s); starting it again (%d of %d)", code, self.restarts, self.max_restarts
        )
        self._start()
        if self._last_request is not None:  # what the dead child was asked for (the layer only asks on change)
            self._requests.put(self._last_request)

    def _close_channels(self) -> None:
        for channel in (self._requests, self._results):
            channel.cancel_join_thread()  # unread results must not hang the exit
            channel.close()

    @property
    def busy(self) -> bool:
        return self._process.is_alive() and not self._requests.empty()

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping = True
        if self._process.is_alive():
            self._requests.put(STOP)
            self._process.join(timeout)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(1.0)
        self._close_channels()
