"""`performer bench-link`: Ableton Link between performer and a second peer in another process on this machine
(performer/sources/link_peer.py), as `play --link` would meet Live or another performer.

Measured: how long the two take to find each other; over --samples reports of the other peer, spread over
about two seconds, the gap in tempo and in beat phase (each peer's beat at the same host time, in ms at the
session tempo); how long a tempo change takes to reach the other side, both ways (--changes of them, each way:
the other peer's change seen by performer's walk tempo, and performer's tap tempo seen by the other peer);
and what reading the session costs the frame thread (Tempo.bpm plus Tempo.beat, as a beats walk does each
frame). The exit code is 1 if the tempo gap reaches 0.1 BPM or the phase gap 10 ms.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import time

TEMPO_LIMIT_BPM = 0.1
PHASE_LIMIT_MS = 10.0
CHANGE_TEMPI = (90.0, 150.0, 128.0, 174.0, 100.0)


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("bench-link", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--samples", type=int, default=200, help="reports of the other peer compared (10..10000)")
    p.add_argument("--changes", type=int, default=10, help="tempo changes each way (1..100)")
    return p


def wait(condition, timeout: float = 10.0) -> bool:
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            return False
        time.sleep(0.0002)
    return True


def agreement(clock, peer, samples: int) -> tuple[list[float], list[float]]:
    """(tempo gaps in BPM, phase gaps in ms), one each per report of the other peer."""
    tempo_gaps, phase_gaps = [], []
    for _ in range(samples):
        theirs = peer.ask("report")
        ours = clock.beat(theirs["micros"])  # our beat at the host time of theirs
        gap = (theirs["beat"] - ours + clock.quantum / 2) % clock.quantum - clock.quantum / 2
        tempo_gaps.append(abs(theirs["tempo"] - clock.bpm))
        phase_gaps.append(abs(gap) * 60_000.0 / theirs["tempo"])
        time.sleep(2.0 / samples)
    return tempo_gaps, phase_gaps


def change_delays(clock, peer, tempo, changes: int) -> tuple[list[float], list[float]]:
    """(ms for the other peer's tempo change to reach performer, ms for performer's tap to reach it)."""
    inbound, outbound = [], []
    for number in range(changes):
        bpm = CHANGE_TEMPI[number % len(CHANGE_TEMPI)]
        sent = peer.ask("tempo", bpm=bpm)["micros"]
        if not wait(lambda bpm=bpm: abs(tempo.bpm - bpm) < 0.01):
            raise RuntimeError(f"the other peer's {bpm:g} BPM never reached performer")
        inbound.append((clock.micros() - sent) / 1000.0)
        bpm = CHANGE_TEMPI[(number + 2) % len(CHANGE_TEMPI)]
        start = 1000.0 * number
        for tap in range(3):  # taps 60/bpm apart: the tapped tempo goes to the session
            tempo.tap(start + tap * 60.0 / bpm)
        sent = clock.micros()
        seen = peer.ask("wait_tempo", bpm=round(tempo.tapper.bpm, 6), timeout=5.0)
        outbound.append((seen["micros"] - sent) / 1000.0)
    return inbound, outbound


def frame_cost_us(tempo, calls: int = 20000) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        tempo.bpm, tempo.beat()
    return (time.perf_counter() - start) / calls * 1e6


def run(args: argparse.Namespace) -> int:
    from performer.sources.ableton_link import INSTALL_HINT, LinkClock, load_link_module
    from performer.sources.link_peer import LinkPeer
    from performer.walks.tempo import Tempo

    if not 10 <= args.samples <= 10000 or not 1 <= args.changes <= 100:
        print("error: --samples must be 10..10000 and --changes 1..100")
        return 2
    if load_link_module() is None:
        print(f"error: linkpython-extern is not installed ({INSTALL_HINT})")
        return 2
    logging.getLogger("performer.walks.tempo").setLevel(logging.WARNING)  # not a line for each of the taps
    clock, peer = LinkClock(120.0), LinkPeer(100.0)
    try:
        start = time.perf_counter()
        if not wait(lambda: clock.peers >= 1) or peer.ask("wait", peers=1, timeout=10.0)["peers"] < 1:
            print("error: the two peers did not find each other in 10 s")
            return 1
        joined_ms = (time.perf_counter() - start) * 1000.0
        time.sleep(0.3)
        tempo_gaps, phase_gaps = agreement(clock, peer, args.samples)
        tempo = Tempo(120.0, beat_clock=clock)
        inbound, outbound = change_delays(clock, peer, tempo, args.changes)
        cost = frame_cost_us(tempo)
    finally:
        peer.close()
        clock.close()
    print(f"peers found each other in {joined_ms:.0f} ms")
    print(f"over {args.samples} reports: tempo gap max {max(tempo_gaps):.6f} BPM")
    print(
        f"beat phase gap at the same host time: median {statistics.median(phase_gaps) * 1000:.2f} us, "
        f"max {max(phase_gaps) * 1000:.2f} us (Link counts beats in millionths)"
    )
    for name, delays in (("other peer -> performer", inbound), ("performer tap -> other peer", outbound)):
        print(f"tempo change {name}: median {statistics.median(delays):.1f} ms, max {max(delays):.1f} ms")
    print(f"frame thread: Tempo.bpm + Tempo.beat() under Link: {cost:.2f} us")
    return 0 if max(tempo_gaps) < TEMPO_LIMIT_BPM and max(phase_gaps) < PHASE_LIMIT_MS else 1
