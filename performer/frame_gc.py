"""Garbage collection kept out of the frames.

CPython's full (generation 2) collection walks every container object alive. Once the show has loaded, that is
the modules, the model's arrays' wrappers, the GL objects, the GUI: tens of thousands of objects, 30-40 ms per
walk on a slow CPU, and the collector starts one whenever an allocation happens to cross its threshold, mid-frame
(measured: a 37 ms collection inside the second frame of a fresh hub, inside the OSC pattern budget). Freezing
the startup heap moves it to the permanent generation, so a later full collection walks only what the show has
made since: a few hundred objects. Reference counting still frees everything as before; only cycles created
before the freeze are never collected, and startup leaves none worth keeping memory for (it collects first).
"""

from __future__ import annotations

import gc
import logging
import time

log = logging.getLogger(__name__)


def freeze_startup_heap() -> int:
    """Collect once, then freeze every object alive; returns how many are frozen in all. Call when the show has
    loaded (after the first frame: programs compiled, fonts built), before the frames that must keep time.
    Calling it again freezes what was made since (cheap: the frozen part is not walked again)."""
    start = time.perf_counter()
    gc.collect()
    gc.freeze()
    frozen = gc.get_freeze_count()
    log.debug("froze %d startup objects in %.1f ms", frozen, (time.perf_counter() - start) * 1e3)
    return frozen


def full_collection_cost() -> dict[str, float]:
    """What a full collection costs now (for benchmarks; it runs one): the objects it walks and its ms."""
    walked = len(gc.get_objects())
    start = time.perf_counter()
    gc.collect()
    return {"objects": walked, "ms": round((time.perf_counter() - start) * 1e3, 3)}


class CollectorPauses:
    """The collector's pauses while open (for benchmarks): how many, and the longest, per generation."""

    def __init__(self) -> None:
        self.count = [0, 0, 0]
        self.longest_ms = [0.0, 0.0, 0.0]
        self._start = 0.0

    def _callback(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._start = time.perf_counter()
            return
        generation = info["generation"]
        self.count[generation] += 1
        self.longest_ms[generation] = max(self.longest_ms[generation], (time.perf_counter() - self._start) * 1e3)

    def start(self) -> CollectorPauses:
        gc.callbacks.append(self._callback)
        return self

    def stop(self) -> None:
        if self._callback in gc.callbacks:
            gc.callbacks.remove(self._callback)

    def summary(self) -> dict[str, list]:
        return {"count": list(self.count), "longest_ms": [round(ms, 3) for ms in self.longest_ms]}
