"""`performer bench-ndi`: what sending the show over NDI costs the render loop, in one run on this machine.

The app loop (headless surface, a noise walk so every frame is drawn anew, no frame-rate cap) at --size,
in interleaved rounds of --frames frames without NDI and --frames frames with it, so a change in the
machine's load falls on both alike. With NDI, a receiver in another process is connected on loopback (there
is no mDNS here: its finder is given 127.0.0.1) and takes every frame at full bandwidth, so every frame is
compressed and delivered; the receiver decodes on the same two cores, which a receiver on another machine
would not. Printed: median and 95th percentile frame time, the process's CPU time per frame (NDI's
compression threads included), frames sent, received and dropped, and the sender thread's time per frame.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import time
from pathlib import Path

import numpy as np

from performer.cli_types import parse_size
from performer.measure import gl_exit_code
from performer.outputs.base import OutputBase
from performer.paths import DEFAULT_MODEL


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("bench-ndi", description=__doc__)
    p.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="model .safetensors (default: shipped)")
    p.add_argument("--size", type=parse_size, default=(1280, 720), help="WxH (default 1280x720)")
    p.add_argument("--frames", type=int, default=5, help="frames per round and mode")
    p.add_argument("--rounds", type=int, default=10, help="rounds of (without NDI, with NDI)")
    return p


class Switch(OutputBase):
    """An output that is given the loop's frames only while `on` (the bench turns NDI on and off)."""

    def __init__(self, output) -> None:
        self.output, self.on = output, False

    @property
    def name(self) -> str:
        return self.output.name

    def open(self, context) -> None:
        self.output.open(context)

    def frame(self, frame) -> None:
        if self.on:
            self.output.frame(frame)

    def close(self) -> None:
        self.output.close()


def receive(source_name: str, stop, report) -> None:
    """The receiver process: finds the source on loopback, takes every frame until `stop`, reports the count and
    its CPU time."""
    import NDIlib as ndi

    ndi.initialize()
    settings = ndi.FindCreate()
    settings.extra_ips = "127.0.0.1"
    finder = ndi.find_create_v2(settings)
    source = None
    while source is None and not stop.is_set():
        ndi.find_wait_for_sources(finder, 100)
        source = next(
            (s for s in ndi.find_get_current_sources(finder) if s.ndi_name.endswith(f"({source_name})")), None
        )
    create = ndi.RecvCreateV3()
    create.color_format = ndi.RECV_COLOR_FORMAT_FASTEST  # it only counts: no conversion to RGB
    receiver = ndi.recv_create_v3(create)
    ndi.recv_connect(receiver, source)
    frames = 0
    while not stop.is_set():
        kind, video, _, _ = ndi.recv_capture_v2(receiver, 100)
        if kind == ndi.FRAME_TYPE_VIDEO:
            frames += 1
            ndi.recv_free_video_v2(receiver, video)
    report.put((frames, time.process_time()))


def run(args: argparse.Namespace) -> int:
    from performer.app import App
    from performer.outputs.ndi import NdiOutput, import_ndi
    from performer.render.cppn_renderer import CppnRenderer
    from performer.render.weights import CppnWeights
    from performer.render.window import HeadlessSurface
    from performer.state import PerformanceState
    from performer.walks.generative import NoiseLoop
    from performer.walks.player import WalkPlayer

    try:
        import_ndi()
    except ImportError as exc:
        print(f"performer bench-ndi: {exc}")
        return 2
    weights = CppnWeights.from_file(args.model)
    surface = HeadlessSurface(args.size)
    ctx = surface.ctx
    app = App(surface, CppnRenderer(ctx, weights), PerformanceState(latent_dim=weights.latent_dim))
    player = WalkPlayer({"bench": NoiseLoop(np.zeros(weights.latent_dim), 1.5, 1.5, 4.0, seed=0)}, blend=0.0)
    player.play("bench")
    app.inputs.append(player)
    name = f"performer-bench-{multiprocessing.current_process().pid}"
    ndi = NdiOutput(name, fps=30.0)
    switch = Switch(ndi)
    app.add_output(switch)
    spawn = multiprocessing.get_context("spawn")
    stop, report = spawn.Event(), spawn.Queue()
    receiver = spawn.Process(target=receive, args=(name, stop, report), daemon=True)
    receiver.start()
    end = time.monotonic() + 60
    while ndi.receivers == 0 and time.monotonic() < end:
        time.sleep(0.1)
    if ndi.receivers == 0:
        print("performer bench-ndi: the receiver did not connect within 60 s")
        return 1
    print(
        f"{args.size[0]}x{args.size[1]}, {args.rounds} rounds of {args.frames} frames each way; GL: "
        f"{ctx.info['GL_RENDERER']}"
    )
    app.run(3)  # warm-up: the shader compiles, the buffers are made
    times: dict[str, list[float]] = {"without NDI": [], "with NDI (a receiver connected)": []}
    cpu: dict[str, list[float]] = {label: [] for label in times}
    ratios = []  # each round's median frame time with NDI over without: the load moves less within a round
    for _ in range(args.rounds):
        for label in times:
            switch.on = label.startswith("with ")
            for _ in range(args.frames):
                start, start_cpu = time.perf_counter(), time.process_time()
                app.run(1)
                ctx.finish()
                times[label].append(time.perf_counter() - start)
                cpu[label].append(time.process_time() - start_cpu)
        without, with_ndi = (statistics.median(values[-args.frames :]) for values in times.values())
        ratios.append(with_ndi / without)
    switch.on = False
    app.close()  # NDI's last frames go out
    time.sleep(0.5)
    stop.set()
    received, receiver_cpu = report.get(timeout=10)
    receiver.join(10)
    surface.close()
    print()
    print("| render loop | median ms/frame | p95 ms/frame | CPU ms/frame |")
    print("|---|---:|---:|---:|")
    for label, values in times.items():
        median, p95 = 1000 * statistics.median(values), 1000 * float(np.percentile(values, 95))
        print(f"| {label} | {median:.1f} | {p95:.1f} | {1000 * statistics.mean(cpu[label]):.1f} |")
    base, with_ndi = (statistics.median(values) for values in times.values())
    cpu_base, cpu_ndi = (1000 * statistics.mean(values) for values in cpu.values())
    stats = ndi.stats()
    print(
        f"\nNDI: {1000 * (with_ndi - base):+.1f} ms/frame ({100 * (with_ndi / base - 1):+.1f}%) by the medians; "
        f"rounds' ratios median {100 * (statistics.median(ratios) - 1):+.1f}% "
        f"(from {100 * (min(ratios) - 1):+.1f}% to {100 * (max(ratios) - 1):+.1f}%); "
        f"CPU {cpu_ndi - cpu_base:+.1f} ms/frame; load average {os.getloadavg()[0]:.1f}"
    )
    print(
        f"{stats['sent']} frames sent, {received} received, {stats['dropped']} dropped; the sender thread "
        f"{stats['send_ms']:.2f} ms/frame (flip + hand-over; NDI compresses on its own threads); the receiver "
        f"process {1000 * receiver_cpu / max(1, received):.1f} ms CPU/frame received"
    )
    return gl_exit_code(ctx)
