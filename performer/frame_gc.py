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
