"""What the Syphon and Spout outputs share: the output texture handed to a GPU sharing library on the render
thread (no readback: the library copies on the GPU), frames sent only while a client is connected, the
counters and the HUD lines. A subclass says how to make the library's server, ask for clients and send.

The send runs on the render thread because it needs the GL context current there; it is a GPU copy the
driver queues, not a wait. A library that is not installed, a server that cannot start, or a send that
fails is one line in the log and in the HUD, and the show goes on without it.
"""

from __future__ import annotations

import logging
import time
from collections import deque

import numpy as np

from performer.outputs.base import Frame, OutputBase, OutputContext

log = logging.getLogger(__name__)


class TextureShareOutput(OutputBase):
    kind = "texture share"  # Syphon, Spout: in the log and the HUD

    def __init__(self, server_name: str, library=None) -> None:
        if not server_name.strip():
            raise ValueError(f"a {self.kind} server needs a name")
        self.server_name, self.library = server_name, library
        self.server = None
        self.ctx = None
        self.error: str | None = None
        self.sent = self.idle = self.failed = 0
        self.clients = False  # a client was connected at the last frame
        self.send_seconds: deque[float] = deque(maxlen=120)

    @property
    def name(self) -> str:
        return f"{self.kind.lower()} {self.server_name}"

    # what a subclass provides -----------------------------------------------------------------------------
    def start_server(self, library):
        raise NotImplementedError

    def has_clients(self) -> bool:
        return True

    def send(self, frame: Frame) -> bool:
        raise NotImplementedError

    def stop_server(self) -> None:
        pass

    def import_library(self):
        raise NotImplementedError

    # the output ---------------------------------------------------------------------------------------------
    def open(self, context: OutputContext) -> None:
        self.ctx = context.ctx
        try:
            library = self.library if self.library is not None else self.import_library()
            self.server = self.start_server(library)
        except Exception as exc:  # ImportError, no GL context of the kind it needs, a name already taken
            reason = str(exc) if isinstance(exc, ImportError) else f"{type(exc).__name__}: {exc}"
            self.error = f"{self.kind} {self.server_name} off: {reason}"
            log.warning("%s; the show goes on without it", self.error)
            return
        self.library = library
        log.info("%s server %r started", self.kind, self.server_name)

    def frame(self, frame: Frame) -> None:
        if self.server is None:
            return
        started = time.perf_counter()
        try:
            self.clients = self.has_clients()
            if not self.clients:
                self.idle += 1
                return
            ok = self.send(frame)
        except Exception as exc:  # counted and shown, never raised into the show
            ok = False
            if self.error is None:
                log.exception("%s %s: a frame could not be sent", self.kind, self.server_name)
            self.error = f"{self.kind} {self.server_name}: {type(exc).__name__}: {exc}"[:160]
        if ok:
            self.sent += 1
            self.send_seconds.append(time.perf_counter() - started)
        else:
            self.failed += 1

    def close(self) -> None:
        if self.server is not None:
            try:
                self.stop_server()
            finally:
                self.server = None
                log.info("%s %s: %d frames sent, %d failed", self.kind, self.server_name, self.sent, self.failed)

    # status -------------------------------------------------------------------------------------------------
    def send_ms(self) -> float:
        times = list(self.send_seconds)
        return 1000 * float(np.median(times)) if times else 0.0

    def stats(self) -> dict:
        send_ms = round(self.send_ms(), 3)
        return {"sent": self.sent, "dropped": self.failed, "idle": self.idle, "send_ms": send_ms}

    def status_lines(self) -> list[str]:
        if self.server is None:
            return []
        failed = f", {self.failed} failed" if self.failed else ""
        if not self.clients:
            return [f"{self.kind} {self.server_name}: no client ({self.sent} sent{failed})"]
        return [f"{self.kind} {self.server_name}: {self.sent} sent{failed}, {self.send_ms():.2f} ms"]

    def errors(self) -> list[str]:
        return [self.error] if self.error else []
