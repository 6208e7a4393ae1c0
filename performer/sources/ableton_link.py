"""Ableton Link (`performer play --link`): the tempo and beat phase of a Link session (Live, Bitwig, Traktor, a
phone's app, another performer on the LAN or on this machine) drive the walks, and performer's tap tempo sets
the session's tempo for every peer.

LinkClock is two things at once:
  - the beat clock of walks/tempo.py's Tempo: `bpm` (the session tempo), `beat()` (this peer's beat now; its
    phase against `quantum` is shared by every peer, so with quantum 4 the beats 0, 4, 8, ... are the session's
    bars) and `set_tempo(bpm)` (what a tap does);
  - a Source (sources/base.py) that sends no events: the hub shows its HUD line ("tempo source: link, peers 1,
    ...") and its error line, and closes it when the show ends (it leaves the session).

The wrapper is linkpython-extern (the `[link]` extra; it imports as `link`): the Link SDK's own synchronous API
(captureAppSessionState, beatAtTime, setTempo), which suits a frame thread that reads the session once a frame.
aalink, the other wheel on PyPI, hands out asyncio futures for beats and would need an event loop beside the
app loop. Each read copies Link's session state under a short lock held by no network call (0.7 µs measured
for capture, beat and tempo together), so the frame thread never waits on the network. Link's clock is the
host's CLOCK_MONOTONIC_RAW in microseconds, the same for every process on the machine.
"""

from __future__ import annotations

import logging
import math
from collections import Counter

from performer.walks.tempo import check_bpm

log = logging.getLogger(__name__)

LINK_QUANTUM = 4.0  # beats to a bar: a walk started under Link keeps its beat 0 on the session's downbeats
INSTALL_HINT = "pip install -e '.[link]'"


def load_link_module():
    """linkpython-extern's module, or None when it is not installed (or another package took the name `link`)."""
    try:
        import link
    except ImportError:
        return None
    return link if hasattr(link, "Link") else None


class LinkClock:
    """One peer of a Link session, joined as it is made. Without the module (or when it fails to start) it has
    no tempo and no beat (None), and says why in `error_lines()`: the walks go on with tap or config tempo."""

    name = "link"

    def __init__(self, bpm: float = 120.0, quantum: float = LINK_QUANTUM, module=None) -> None:
        if not (math.isfinite(quantum) and quantum > 0):
            raise ValueError(f"the Link quantum must be > 0 beats, got {quantum}")
        self.quantum = float(quantum)
        self.stats: Counter = Counter()
        self.problem: str | None = None
        self._link = None
        module = module if module is not None else load_link_module()
        if module is None:
            self.problem = f"link: linkpython-extern is not installed ({INSTALL_HINT}); tempo from tap or --bpm"
            log.error("%s", self.problem)
            return
        try:
            link = module.Link(check_bpm(bpm))
            link.enabled = True  # from here Link's own threads look for peers on every interface, loopback too
            self._clock = link.clock()
        except Exception as exc:  # a broken build, no network stack: one line, and the show goes on without Link
            self.problem = f"link: cannot join a session ({type(exc).__name__}: {exc})"[:160]
            log.error("%s", self.problem)
            return
        self._link = link
        log.info("Ableton Link enabled at %.1f BPM (quantum %g)", bpm, self.quantum)

    @property
    def joined(self) -> bool:
        return self._link is not None

    def micros(self) -> int | None:
        """Link's clock now (host microseconds), or None without Link."""
        return self._clock.micros() if self._link is not None else None

    @property
    def bpm(self) -> float | None:
        """The session tempo, or None without Link."""
        return self._link.captureAppSessionState().tempo() if self._link is not None else None

    def beat(self, micros: int | None = None) -> float | None:
        """This peer's beat at `micros` (default: now); None without Link."""
        if self._link is None:
            return None
        when = self._clock.micros() if micros is None else micros
        return self._link.captureAppSessionState().beatAtTime(when, self.quantum)

    @property
    def peers(self) -> int:
        """The other peers in the session (0: alone, which still gives a tempo and a beat)."""
        return self._link.numPeers() if self._link is not None else 0

    def set_tempo(self, bpm: float) -> None:
        """Set the session tempo from now on, for every peer (tap tempo). The beat stays continuous: Link bends
        the timeline at this moment rather than jumping."""
        if self._link is None:
            return
        state = self._link.captureAppSessionState()
        state.setTempo(check_bpm(bpm), self._clock.micros())
        self._link.commitAppSessionState(state)
        self.stats["tempo_set"] += 1
        log.debug("Link session tempo set to %.1f BPM", bpm)  # the tap tempo said it already

    # ---- the Source protocol --------------------------------------------------------------------------------
    def events(self, now: float) -> tuple:
        return ()  # Link drives the tempo, not the state: nothing for the mappings

    def close(self) -> None:
        if self._link is not None:
            self._link.enabled = False  # leaves the session at once (the other peers count one fewer)
            self._link = None

    def status_line(self) -> str | None:
        if self._link is None:
            return None
        state = self._link.captureAppSessionState()
        phase = state.phaseAtTime(self._clock.micros(), self.quantum)
        beat_in_bar = min(int(phase), math.ceil(self.quantum) - 1) + 1
        return f"tempo source: link, peers {self.peers}, {state.tempo():.1f} BPM, beat {beat_in_bar}/{self.quantum:g}"

    def error_lines(self) -> list[str]:
        return [self.problem] if self.problem else []


def open_link(args) -> LinkClock | None:
    """play's --link: a LinkClock at --bpm (until the session says otherwise), else None."""
    if not getattr(args, "link", False):
        return None
    return LinkClock(getattr(args, "bpm", 120.0))
