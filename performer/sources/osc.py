"""The OSC source: the UDP server (performer/controls/osc_server.py, its own thread, coalesced per address)
drained once per frame, each datagram decoded (osc_decode.py) into one ControlEvent: kind "osc", the address
as its number, the first argument as its value, all arguments in `args`.

An address that cannot be opened (the port taken by another program, often a second performer; a LAN
address whose interface is not up yet) is one error line and is tried again every `osc_retry` seconds from
the frame loop: a bind takes microseconds, so a retry never stalls a frame.
"""

from __future__ import annotations

import logging
from collections import Counter

from performer.controls.activity import Activity
from performer.controls.events import ControlEvent, check_number
from performer.controls.osc_decode import parse_message
from performer.controls.osc_server import DEFAULT_HOST, DEFAULT_PORT, OscServer
from performer.sources.base import SourceSetup

log = logging.getLogger(__name__)

LOCAL_HOSTS = ("127.0.0.1", "::1", "localhost")


def osc_event(address: str, args: list | tuple, sender: str = "", now: float = 0.0) -> ControlEvent:
    """One decoded message as an event; the value is checked here, once: no argument is 1.0 (a trigger), a
    first argument that is not a usable number is None (the dispatch says whether the address takes that)."""
    try:
        value = check_number(args[0]) if args else 1.0
    except ValueError:
        value = None
    return ControlEvent("osc", address, value, None, sender, now, tuple(args))


def decode_datagram(datagram: bytes, sender: str, now: float, stats: Counter) -> ControlEvent | None:
    """The event of one datagram, or None for a malformed one (counted as osc_malformed, never logged)."""
    try:
        address, args = parse_message(datagram)
    except ValueError:
        stats["osc_malformed"] += 1
        return None
    return osc_event(address, args, sender, now)


class OscSource:
    name = "osc"

    def __init__(self, setup: SourceSetup) -> None:
        self.options = setup.options
        self.shared = setup.stats  # the hub's: what this source and the dispatch drop of its messages
        self.mappings = list(setup.mappings)
        self.server: OscServer | None = None
        self.problem: str | None = None
        self.activity = Activity()
        self._retry_at: float | None = None  # None: not waiting to try again

    @property
    def stats(self) -> dict[str, int]:
        """The receiving thread's counters, and the largest the pending table has been."""
        if self.server is None:
            return {}
        return {**self.server.stats, "pending_max": self.server.max_pending}

    def configure(self, setup: SourceSetup) -> None:
        self.mappings = list(setup.mappings)
        if self.server is not None:
            self.server.allow = frozenset(self.allow_list())

    def allow_list(self) -> list[str]:
        return list(self.options.osc_allow) + [a for m in self.mappings for a in m.osc.allow]

    def open(self, now: float | None) -> None:
        host = self.options.osc_host or next((m.osc.host for m in self.mappings if m.osc.host), DEFAULT_HOST)
        port = self.options.osc_port
        if port is None:
            port = next((m.osc.port for m in self.mappings if m.osc.port), DEFAULT_PORT)
        server = OscServer(host, port, self.allow_list())
        try:
            self.server = server.start()
        except OSError as exc:  # socket.gaierror (a host name that does not resolve) is an OSError too
            retry = self.options.osc_retry
            problem = f"OSC cannot listen on {host}:{port}: {exc.strerror or exc}; trying every {retry:g} s"
            if problem != self.problem:
                log.error("%s", problem)
            self.problem = problem
            # the first retry comes with the first frame (the port may have been freed meanwhile), then timed
            self._retry_at = float("-inf") if now is None else now + retry
            return
        if self.problem is not None:
            log.info("OSC works now (%s:%d)", *self.server.address)
        self.problem, self._retry_at = None, None
        if host not in LOCAL_HOSTS and not server.allow:
            log.warning("OSC is open to the network on %s:%d with no allow-list", host, port)

    def events(self, now: float) -> list[ControlEvent]:
        if self._retry_at is not None and now >= self._retry_at:
            self.open(now)
        events = []
        if self.server is not None:
            for _address, datagrams, sender in self.server.drain():
                for datagram in datagrams:
                    event = decode_datagram(datagram, sender, now, self.shared)
                    if event is not None:
                        self.note(event)
                        events.append(event)
        self.activity.tick(now)  # after draining: what arrived before `now` counts in the window ending now
        return events

    def note(self, event: ControlEvent) -> None:
        """Count a message and show it as the last one seen."""
        self.shared["osc_messages"] += 1
        self.activity.note("osc", f"{event.number} from {event.device}" if event.device else str(event.number))

    def status_line(self) -> str | None:
        if self.server is None:
            return None
        host, port = self.server.address
        counts = Counter(self.shared)  # the same name from two places (osc_malformed: thread and parser) adds up
        counts.update({f"osc_{k}": v for k, v in self.server.stats.items()})
        return self.activity.line("osc", f"{host}:{port}", counts)

    def error_lines(self) -> list[str]:
        return [self.problem] if self.problem else []

    def close(self) -> None:
        self._retry_at = None
        if self.server is not None:
            self.server.close()


def open_osc(setup: SourceSetup) -> OscSource | None:
    """The OSC source, listening (or trying to), unless OSC is switched off."""
    if not setup.options.osc:
        return None
    source = OscSource(setup)
    source.open(None)
    return source
