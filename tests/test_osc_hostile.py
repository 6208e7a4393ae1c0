"""Hostile OSC address patterns through the real path: a UDP socket into a hub, and into a running
`performer play --headless` (a subprocess) whose next message must still take effect within a frame."""

from __future__ import annotations

import gc
import math
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest

import performer
from performer.controls.hub import ControlHub
from performer.controls.mapping_schema import MappingError
from performer.controls.osc_pattern import MAX_PATTERN
from performer.frame_gc import freeze_startup_heap
from performer.soak_inputs import osc_message
from performer.state import PerformanceState

FRAME = 1 / 60  # one frame of a 60 Hz projector


def hostile(tail: str = "") -> list[str]:
    """The issue's two datagrams, and runs of the other wildcards in any mix; `tail` makes each one new."""
    return [
        "/performer/" + "*" * 30 + "x" + tail,  # stalled the loop for over 20 seconds
        "/performer/" + "*" * 20 + "m/" + "*" * 20 + "x" + tail,  # longer than anyone waited
        "/performer/param/" + "*[a-z]" * 20 + "q" + tail,
        "/performer/*/" + "{,a}" * 40 + tail,
        "/*/*/" + "?*{e,a,ar}[!q]" * 12 + tail,
        "/performer/" + "*" * 1000 + tail,  # over the cap: refused at once
    ]


def slow_but_finite(tail: str) -> list[str]:
    """Patterns the regular-expression matcher took a second or so on (so this test fails there rather than
    hanging), mixes, and one over the cap."""
    return [
        "/performer/" + "*" * 18 + "x" + tail,
        "/performer/" + "*" * 8 + "m/" + "*" * 12 + "x" + tail,
        "/performer/param/" + "*[a-z]" * 20 + "q" + tail,
        "/performer/*/" + "{,a}" * 40 + tail,
        "/*/*/" + "?*{e,a,ar}[!q]" * 12 + tail,
        "/1/" + "*" * 24 + tail,
        "/performer/" + "[a-z]" * 60 + tail,  # over the cap: refused at once
    ]


def send_and_wait(hub: ControlHub, sock: socket.socket, datagrams: list[bytes]) -> None:
    before = hub.osc.stats["received"]
    for datagram in datagrams:
        sock.sendto(datagram, hub.osc.address)
    deadline = time.monotonic() + 3.0
    while hub.osc.stats["received"] < before + len(datagrams) and time.monotonic() < deadline:
        time.sleep(0.001)


def test_hostile_patterns_over_udp_leave_the_frame_its_time(tmp_path):
    """Each frame gets hostile patterns and then a real message; the frame takes well under a frame's time
    and the message lands. On the regular-expression matcher 18 stars alone took about a second."""
    mapping = tmp_path / "touch.yaml"
    mapping.write_text("controls:\n  - {osc: '/1/{push,fader}[1-4]', to: z8}\n")
    hub = ControlHub([mapping], osc_port=0, midi=False).start()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    state, now, slowest = PerformanceState(), time.perf_counter(), 0.0
    # as the show's loop does once loaded (App.run): otherwise a full collection of the whole test session's
    # heap (tens of ms) lands in some frame, inside the pattern budget too
    freeze_startup_heap()
    try:
        for i, tail in enumerate("abcdefgh"):
            patterns = slow_but_finite(tail)
            value = 0.125 * i
            send_and_wait(hub, sock, [osc_message(p, 1.0) for p in patterns] + [osc_message("/1/fader2", value)])
            time.sleep(max(0.0, now + FRAME - time.perf_counter()))  # frames at 60 Hz, as on stage
            now = time.perf_counter()
            start = time.thread_time()  # CPU time: what the frame itself spent, not the machine's other work
            hub.update(state, now, FRAME)
            slowest = max(slowest, time.thread_time() - start)
            assert state.z[7] == pytest.approx(-3 + 6 * value)  # 0..1 -> -3..3
        stats = hub.all_stats()
    finally:
        hub.close()
        sock.close()
        gc.unfreeze()
    assert slowest < 0.25 * FRAME, slowest
    assert stats["osc_bad_pattern"] == 8, stats  # the one over the cap, each frame
    assert stats.get("osc_pattern_budget", 0) == 0  # eight patterns a frame are far inside the budget
    assert stats["osc_unknown_address"] == 8 * 6  # the others match nothing
    assert stats.get("update_errors", 0) == 0


def test_a_mapping_file_pattern_is_compiled_by_the_same_matcher(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("controls:\n  - {osc: /1/fader1, to: z1}\n  - {osc: '/1/[oops', to: z2}\n")
    with pytest.raises(MappingError, match=r"broken.yaml:3.*unclosed '\['"):
        ControlHub([broken], osc=False, midi=False)
    long = tmp_path / "long.yaml"
    long.write_text("controls:\n  - {osc: '/1/" + "*" * (MAX_PATTERN - 2) + "', to: z2}\n")
    with pytest.raises(MappingError, match="at most 256"):
        ControlHub([long], osc=False, midi=False)


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Snapshots:
    """`/performer/snapshot` writes a PNG: the time from sending to the file appearing is how long the
    running show took to act on the message."""

    def __init__(self, folder: Path, port: int) -> None:
        self.folder, self.address = folder, ("127.0.0.1", port)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)

    def latency(self, before: list[bytes] = (), deadline: float = 3.0) -> float:
        seen = set(self.folder.glob("*.png")) if self.folder.exists() else set()
        start = time.perf_counter()
        for datagram in before:
            self.sock.sendto(datagram, self.address)
        self.sock.sendto(osc_message("/performer/snapshot"), self.address)
        while time.perf_counter() - start < deadline:
            if self.folder.exists() and set(self.folder.glob("*.png")) - seen:
                return time.perf_counter() - start
            time.sleep(0.001)
        return math.inf


def test_a_running_play_acts_on_the_next_message_within_a_frame(random_model_file, tmp_path):
    port = free_udp_port()
    snaps = tmp_path / "snaps"
    command = [sys.executable, "-m", "performer.cli", "play", "--headless", "--frames", "100000000", "--fps", "60"]
    command += ["--size", "32x24", "--model", str(random_model_file[0]), "--osc-port", str(port), "--no-midi"]
    command += ["--no-prints", "--no-reload", "--snapshot-dir", str(snaps), "--record-dir", str(tmp_path / "rec")]
    command += ["--learn-file", str(tmp_path / "learned.yaml")]
    env = {**os.environ, "PYTHONPATH": str(Path(performer.__file__).resolve().parents[1])}  # this checkout's code
    log = (tmp_path / "play.log").open("w")
    play = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        probe = Snapshots(snaps, port)
        deadline = time.monotonic() + 60
        while probe.latency(deadline=0.5) == math.inf:  # model, EGL and the OSC port coming up
            assert play.poll() is None and time.monotonic() < deadline, (tmp_path / "play.log").read_text()[-2000:]
        baseline = [probe.latency() for _ in range(9)]
        after = {}
        for kind, text in enumerate(hostile()):  # each kind three times, a new pattern each time: no cache helps
            label = f"{kind}: {text[:24]}... ({len(text)} characters)"
            after[label] = min(probe.latency([osc_message(hostile(tail)[kind], 1.0)]) for tail in "qrs")
            if after[label] == math.inf:
                break  # stuck: no point in waiting for the others
        assert play.poll() is None  # still playing
    finally:
        play.send_signal(signal.SIGTERM)
        try:
            play.wait(timeout=20)
        except subprocess.TimeoutExpired:
            play.kill()  # a matcher stuck inside a regular expression never sees the signal
            play.wait()
        log.close()
    usual = statistics.median(baseline)
    slow = {kind: seconds for kind, seconds in after.items() if seconds > usual + FRAME}
    assert not slow, (usual, slow)
    print(f"snapshot latency: usual {usual * 1e3:.1f} ms; after hostile patterns", after)
    assert len(after) == len(hostile()) and play.returncode == 0, (tmp_path / "play.log").read_text()[-2000:]
