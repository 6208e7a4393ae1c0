"""soak's OSC sender, hostile address patterns in its junk: run as the process soak runs, into a real hub over
UDP, frames at 60 Hz. The patterns are counted and no frame spends more than a fraction of its time on them."""

from __future__ import annotations

import random
import subprocess
import sys
import time

import numpy as np

from performer.controls.hub import ControlHub
from performer.controls.osc_pattern import MAX_PATTERN, OscPattern
from performer.soak_inputs import hostile_pattern, junk_datagram
from performer.state import PerformanceState

FRAME = 1 / 60


def test_the_junk_mix_has_every_kind_of_hostile_pattern():
    rng = random.Random(5)
    patterns = [hostile_pattern(rng) for _ in range(400)]
    too_long = [p for p in patterns if len(p) > MAX_PATTERN]
    malformed, wellformed = [], []
    for p in patterns:
        if len(p) <= MAX_PATTERN:
            try:
                wellformed.append(OscPattern(p))
            except ValueError:
                malformed.append(p)
    assert len(too_long) > 20 and len(malformed) > 20 and len(wellformed) > 200
    assert any("*" * 20 in p for p in patterns) and any("{" in p.text and "[" in p.text for p in wellformed)
    junk = [junk_datagram(random.Random(i)) for i in range(200)]
    assert sum(b"{" in d[:64] or b"**" in d[:64] for d in junk) > 5  # patterns are part of the junk mix


def test_soaks_sender_into_a_hub_leaves_every_frame_its_time():
    hub = ControlHub(osc_port=0, midi=False).start()
    state = PerformanceState()
    command = [sys.executable, "-m", "performer.soak_inputs", str(hub.osc.address[1]), "2000", "3"]
    sender = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    slowest, frames, now = 0.0, 0, time.perf_counter()
    try:
        while sender.poll() is None or hub.osc.pending:
            time.sleep(max(0.0, now + FRAME - time.perf_counter()))
            now = time.perf_counter()
            start = time.thread_time()
            hub.update(state, now, FRAME)
            slowest, frames = max(slowest, time.thread_time() - start), frames + 1
        sent, junk = map(int, sender.communicate(timeout=10)[0].split())
        stats = hub.all_stats()
    finally:
        hub.close()
    assert sent > 3000 and junk > 0.2 * sent
    assert stats["osc_bad_pattern"] > 0 and stats["osc_unknown_address"] > 0
    assert frames > 100 and slowest < FRAME / 2, (frames, slowest, stats)
    assert np.all(np.isfinite(state.z)) and stats.get("update_errors", 0) == 0
