"""`performer bench-osc`: an OSC flood while frames render headless.

One client (a separate process, python-osc's SimpleUDPClient, as fast as it can) sends N messages (per round) to
/performer/z/1..8 on loopback while the frame loop runs at a fixed rate: hub.update + one rendered frame.
Reported: frame time (the work of a frame: update + render) without the flood, during the same flood sent
to a socket nobody reads (the client alone competing for the CPU), and during the real flood, with ratios (vs
the unread socket: the median of each round's flood over its control);
whether the state ends at the last values sent, how many datagrams arrived and were coalesced, the largest the
pending table grew, and resident memory before and after. Renders with performer.render (EGL, llvmpipe) when
it is available, else a CPU stand-in frame (a numpy CPPN of the same shape).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import socket
import statistics
import subprocess
import sys
import time

import numpy as np

from performer.bench_frames import make_frame
from performer.frame_gc import freeze_startup_heap
from performer.measure import rss_kb
from performer.state import PerformanceState

log = logging.getLogger(__name__)

CLIENT = r"""
import sys, time
from pythonosc.udp_client import SimpleUDPClient
port, count = int(sys.argv[1]), int(sys.argv[2])
client = SimpleUDPClient("127.0.0.1", port)
start = time.perf_counter()
for i in range(count):
    client.send_message(f"/performer/z/{i % 8 + 1}", ((i * 7919) % 2001 - 1000) / 1000.0 * 3.0)
print(time.perf_counter() - start)
"""


def flood_value(i: int) -> float:
    return ((i * 7919) % 2001 - 1000) / 1000.0 * 3.0


def expected_z(count: int, latent_dim: int = 8) -> np.ndarray:
    """The latents after the last message of a flood of `count` (message i sets z[i % 8])."""
    z = np.zeros(latent_dim, dtype=np.float32)
    for i in range(max(0, count - latent_dim), count):
        z[i % latent_dim] = flood_value(i)
    return z


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=np.float64), q))


def run_flood(
    messages: int = 20000,
    baseline_frames: int = 120,
    fps: float = 60.0,
    size: tuple[int, int] = (256, 256),
    renderer: str = "auto",
    rounds: int = 3,
    pin: bool = False,
) -> dict:
    """pin: core 0 renders (the frame thread and a 1-thread llvmpipe: the stand-in for a GPU, which is a device
    of its own), core 1 takes the OSC server thread and the sending client. Unpinned on a 2-core machine, the
    client and the server thread take cores that llvmpipe renders with: what that measures is CPU sharing,
    not whether the server stalls the frame thread."""
    from performer.controls.hub import ControlHub

    client_affinity = None
    if pin:
        cores = sorted(os.sched_getaffinity(0))
        if len(cores) < 2:
            raise RuntimeError("--pin needs at least 2 cores")
        os.environ["LP_NUM_THREADS"] = "1"  # llvmpipe: one rendering thread, created with this affinity
        os.sched_setaffinity(0, {cores[0]})  # threads started from here on (OSC server, llvmpipe) inherit it
        client_affinity = {cores[1]}
    frame, renderer_used = make_frame(renderer, size)
    state = PerformanceState()
    hub = ControlHub(osc_port=0, midi=False).start()
    if hub.osc is None:
        raise RuntimeError("the OSC server could not start")
    if client_affinity and hub.osc.thread_id is not None:
        os.sched_setaffinity(hub.osc.thread_id, client_affinity)  # Linux: a thread id pins that thread alone
    period = 1.0 / fps
    clock = time.perf_counter

    update_times: list[float] = []  # the OSC work on the frame thread: hub.update alone

    def one_frame(times: list[float]) -> None:
        start = clock()
        hub.update(state, start, period)
        update_times.append(clock() - start)
        frame(state)
        end = clock()
        times.append(end - start)
        time.sleep(max(0.0, period - (end - start)))

    try:
        warm: list[float] = []
        for _ in range(10):
            one_frame(warm)
        freeze_startup_heap()  # as App.run does after its first frame
        baseline: list[float] = []
        for _ in range(baseline_frames):
            one_frame(baseline)

        def flood_to(port: int) -> tuple[list[float], float, float]:
            client = subprocess.Popen(
                [sys.executable, "-c", CLIENT, str(port), str(messages)],
                stdout=subprocess.PIPE,
                text=True,
                preexec_fn=(lambda: os.sched_setaffinity(0, client_affinity)) if client_affinity else None,
            )
            times: list[float] = []
            start = clock()
            while client.poll() is None:
                one_frame(times)
            seconds = clock() - start
            sent = float(client.stdout.read().strip() or "nan")
            client.stdout.close()
            return times, seconds, sent

        # Control: the same client flooding a socket nobody reads. The client process alone competes for
        # the CPU (2 cores here); the difference to the real flood is what the OSC server costs the frame.
        # Rounds alternate control and real floods so that drifting machine load hits both alike.
        sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sink.bind(("127.0.0.1", 0))
        control: list[float] = []
        flood: list[float] = []
        round_ratios: list[float] = []  # each round's flood median over the control just before it
        flood_updates: list[float] = []
        flood_seconds = send_seconds = 0.0
        rss_before = rss_kb()
        try:
            for _ in range(rounds):
                control_times = flood_to(sink.getsockname()[1])[0]
                control += control_times
                update_times.clear()
                times, seconds, sent = flood_to(hub.osc.address[1])
                if times and control_times:
                    round_ratios.append(statistics.median(times) / statistics.median(control_times))
                flood_updates += update_times
                flood += times
                flood_seconds += seconds / rounds
                send_seconds += sent / rounds
        finally:
            sink.close()
        settle: list[float] = []
        last = -1
        for _ in range(100):  # until the server thread has read everything
            one_frame(settle)
            received = hub.osc.stats["received"]
            if received == last and hub.osc.pending == 0:
                break
            last = received
        rss_after = rss_kb()
        stats = hub.all_stats()
        want = expected_z(messages)
        ok = bool(np.allclose(state.z, want, atol=1e-6))
    finally:
        hub.close()
    base_median, flood_median = statistics.median(baseline), statistics.median(flood or [float("nan")])
    control_median = statistics.median(control or [float("nan")])
    return {
        "renderer": renderer_used,
        "size": f"{size[0]}x{size[1]}",
        "messages": messages,
        "rounds": rounds,
        "send_seconds": round(send_seconds, 3),
        "messages_per_second": round(messages / send_seconds) if send_seconds > 0 else None,
        "received": stats.get("osc_received", 0),
        "coalesced": stats.get("osc_coalesced", 0),
        "applied": stats.get("osc_messages", 0),
        "pending_max": stats.get("osc_pending_max", 0),
        "frames_baseline": len(baseline),
        "frames_during_flood": len(flood),
        "flood_seconds": round(flood_seconds, 3),
        "frame_ms_baseline_median": round(base_median * 1e3, 3),
        "frame_ms_flood_median": round(flood_median * 1e3, 3),
        "frame_ms_baseline_mean": round(statistics.fmean(baseline) * 1e3, 3),
        "frame_ms_flood_mean": round(statistics.fmean(flood) * 1e3, 3) if flood else None,
        "frame_ms_baseline_p95": round(percentile(baseline, 95) * 1e3, 3),
        "frame_ms_flood_p95": round(percentile(flood, 95) * 1e3, 3) if flood else None,
        "frame_ms_flood_max": round(max(flood) * 1e3, 3) if flood else None,
        "frame_ms_sink_flood_median": round(control_median * 1e3, 3),
        "update_ms_flood_mean": round(statistics.fmean(flood_updates) * 1e3, 3) if flood_updates else None,
        "update_ms_flood_max": round(max(flood_updates) * 1e3, 3) if flood_updates else None,
        "pinned": pin,
        "ratio_median": round(flood_median / base_median, 3),
        # The median of the rounds' paired ratios: a shared host's slow spell (frames 30% slower for seconds,
        # in a flood and its control alike) lands in one round and moves one ratio, not the pooled medians.
        "ratio_vs_sink_flood": round(statistics.median(round_ratios), 3) if round_ratios else None,
        "ratio_vs_sink_flood_rounds": [round(r, 3) for r in round_ratios],
        "ratio_vs_sink_flood_pooled": round(flood_median / control_median, 3),
        "state_is_last_sent": ok,
        "state_z": [round(float(v), 4) for v in state.z],
        "rss_kb_before": rss_before,
        "rss_kb_after": rss_after,
        "rss_kb_growth": rss_after - rss_before,
    }


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("bench-osc", description=__doc__)
    p.add_argument("--messages", type=int, default=20000)
    p.add_argument("--frames", type=int, default=120, help="baseline frames before the flood")
    p.add_argument("--fps", type=float, default=60.0)
    p.add_argument("--size", default="256x256", help="frame size WxH")
    p.add_argument("--renderer", choices=("auto", "gl", "cpu"), default="auto")
    p.add_argument("--rounds", type=int, default=3, help="floods of --messages each (alternating with control)")
    p.add_argument(
        "--pin",
        action="store_true",
        help="render on core 0 (a GPU's stand-in); OSC server thread and client on core 1 (Linux)",
    )
    return p


def run(args: argparse.Namespace) -> int:
    try:
        width, _, height = args.size.partition("x")
        size = (int(width), int(height or width))
        sizes_ok = 1 <= size[0] <= 8192 and 1 <= size[1] <= 8192
        if not sizes_ok or args.messages < 8 or args.fps <= 0 or args.rounds < 1:
            raise ValueError("size must be 1..8192 per side, messages >= 8, fps > 0, rounds >= 1")
    except ValueError as exc:
        print(f"error: {exc}")
        return 2
    result = run_flood(args.messages, args.frames, args.fps, size, args.renderer, args.rounds, args.pin)
    print(json.dumps(result, indent=1))
    return 0 if result["state_is_last_sent"] else 1
