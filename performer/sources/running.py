"""The sources of one control hub: the kinds it knows (the rows of SOURCE_KINDS, then any extra ones), the
sources open, and what the hub asks of them all each frame (their events, counters, HUD lines).

A factory is called at start and after each mapping reload until it gives a source; one that raises is a bug
in that source: one error line, logged once, and the show goes on without it. So is a source whose events()
raises: counted as update_errors, logged the first time, its events of that frame skipped.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Iterator

from performer.controls.events import ControlEvent
from performer.sources.base import SOURCE_KINDS, Factory, Source, SourceSetup, check_source, load_factory

log = logging.getLogger(__name__)


def as_factory(extra: str | Factory | Source) -> Factory:
    """A factory for an extra source: "module:function" (imported now: ValueError in one line), a factory, or
    a source object itself."""
    if isinstance(extra, str):
        return load_factory(extra)
    if hasattr(extra, "events"):
        return lambda setup: extra
    return extra


class Sources:
    def __init__(self, extra: Iterable[str | Factory | Source] = ()) -> None:
        # the table's kinds (their modules imported when first opened), then the extra ones
        self.kinds: dict[str, str | Factory] = {kind.name: kind.factory for kind in SOURCE_KINDS.values()}
        for number, source in enumerate(extra, start=1):
            self.kinds[f"source {number}"] = as_factory(source)
        self.open: dict[str, Source] = {}  # by kind, in the order of `kinds`
        self.failures: dict[str, str] = {}  # kind -> the error line of a factory that raised
        self._failing: set[str] = set()  # kinds whose events() raised (logged once)

    def get(self, kind: str) -> Source | None:
        return self.open.get(kind)

    def put(self, kind: str, source: Source | None) -> None:
        """Plug in (or take out) a source by hand: soak's virtual MIDI board, a test's."""
        if source is None:
            self.open.pop(kind, None)
        else:
            self.open[kind] = source

    def start(self, setup: SourceSetup) -> None:
        """Each kind's factory until it gives a source; the sources open already hear the new settings."""
        for kind, factory in self.kinds.items():
            source = self.open.get(kind)
            if source is not None:
                if hasattr(source, "configure"):
                    source.configure(setup)
                continue
            if kind in self.failures:
                continue
            try:
                made = (load_factory(factory) if isinstance(factory, str) else factory)(setup)
                if made is not None:
                    self.open[kind] = check_source(made, f"the {kind} factory")
            except Exception as exc:  # a bug in a source: that source is missing, the show goes on
                self.failures[kind] = f"{kind} cannot start: {type(exc).__name__}: {exc}"[:160]
                log.exception("source %s cannot start; the show goes on without it", kind)

    def events(self, now: float, stats: Counter) -> Iterator[ControlEvent]:
        """Every open source's events since the last frame, source by source."""
        for kind, source in list(self.open.items()):
            try:
                events = list(source.events(now))
            except Exception:
                stats["update_errors"] += 1
                if kind not in self._failing:
                    self._failing.add(kind)
                    log.exception("source %s failed (the frame goes on without it)", kind)
                continue
            yield from events

    def stats(self) -> Counter:
        """Each source's own counters, as NAME_KEY."""
        out: Counter = Counter()
        for source in self.open.values():
            out.update({f"{source.name}_{k}": v for k, v in source.stats.items()})
        return out

    def error_lines(self) -> list[str]:
        lines = list(self.failures.values())
        return lines + [line for source in self.open.values() for line in source.error_lines()]

    def status_lines(self) -> list[str]:
        return [line for source in self.open.values() if (line := source.status_line())]

    def close(self) -> None:
        for kind, source in self.open.items():
            try:
                source.close()
            except Exception:
                log.exception("closing source %s failed", kind)
