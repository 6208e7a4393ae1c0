"""`performer soak`: a whole show, headless, under everything a stage throws at it, and what it cost.

The live chain of `performer play` (build_session: hub -> state -> renderer -> recorder, the print worker,
a walk playing) runs for --seconds while:
- a client process sends OSC to the real server: valid messages (single latents, all 8, params, presets,
  random jumps) mixed with junk (random bytes, truncated packets, NaN, infinity, 1e30, strings where floats
  belong, unknown addresses, broken and deeply nested bundles, and hostile address patterns: runs of stars,
  classes, braces and mixes made to blow up a backtracking matcher, malformed ones and ones past the cap);
- a thread feeds mido Messages through the port callback: faders and knobs of mappings/nanokontrol2.yaml,
  notes, pitch bend, MIDI clock and SysEx floods;
- every --break-every seconds a copy of cppn.glsl gets a syntax error and the mapping file broken YAML, both
  fixed again two seconds later (the show must go on with the last good ones and say file and line);
- the whole show is recorded to a real video file.

Reported: frame times (median, p99, max; frames over 100 ms), memory every 5 s, how late a thread that
asks to wake every millisecond woke (how long the frame loop held the GIL), what was received, dropped and
counted, whether every error was shown and cleared, the recording read back. The exit code is 1 when the
show stopped, the state went non-finite, a part of the frame raised, an error was not shown or not
cleared, or the recording is missing.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from performer.cli_types import parse_size
from performer.measure import rss_kb
from performer.paths import MAPPING_DIR
from performer.soak_inputs import FakeMidiBackend, FileBreaker, feed_midi, probe_wakeups

log = logging.getLogger(__name__)

MAPPING = MAPPING_DIR / "nanokontrol2.yaml"
RSS_EVERY = 5.0  # seconds between resident-memory samples


def soak(
    seconds: float = 60.0,
    size: tuple[int, int] = (640, 360),
    model: Path | None = None,
    prints: bool = True,
    osc_rate: float = 2000.0,
    midi_rate: float = 500.0,
    break_every: float = 10.0,
    walk: str = "groove",
    workdir: Path | None = None,
    hold_gil: bool = False,
) -> dict:
    from performer.frame_gc import CollectorPauses, freeze_startup_heap, full_collection_cost
    from performer.paths import SHADER_DIR
    from performer.play_options import add_play_options
    from performer.render.context import gil_free_finish
    from performer.render.weights import CppnWeights
    from performer.render.window import HeadlessSurface
    from performer.session import build_session
    from performer.state import PerformanceState

    own_dir = workdir is None
    workdir = Path(tempfile.mkdtemp(prefix="performer-soak-")) if own_dir else Path(workdir)
    shaders = workdir / "shaders"
    shutil.copytree(SHADER_DIR, shaders, dirs_exist_ok=True)
    mapping = workdir / "board.yaml"
    shutil.copyfile(MAPPING, mapping)
    argv = [
        "--headless",
        "--size",
        f"{size[0]}x{size[1]}",
        "--osc-port",
        "0",
        "--no-midi",
        "--hud",
        "--shaders",
        str(shaders),
        "--mapping",
        str(mapping),
        "--record-dir",
        str(workdir / "rec"),
        "--snapshot-dir",
        str(workdir / "snaps"),
        "--walk",
        walk,
        "--no-reload",
    ]
    argv += ["--model", str(model)] if model else []
    argv += [] if prints else ["--no-prints"]
    play_parser = argparse.ArgumentParser(prog="performer play")
    add_play_options(play_parser)
    args = play_parser.parse_args(argv)  # as `performer play` would
    weights = CppnWeights.from_file(args.model)
    state = PerformanceState(latent_dim=weights.latent_dim)
    surface = HeadlessSurface(args.size)
    session = build_session(args, surface, weights, state)
    from performer.sources.midi import MidiInput

    hub, app = session.hubs[0], session.app
    if hold_gil:  # for comparison: no GIL-free wait, so the screen copy waits for the frame inside moderngl
        app.wait_for_gpu = lambda: None
    backend = FakeMidiBackend()
    hub.midi = MidiInput([backend.name], backend=backend, scan_interval=0).start()
    finish = gil_free_finish(surface.ctx)
    video = workdir / "rec" / "soak.mp4"
    session.recorder.start(video)
    midi_counts = {"sent": 0, "sysex": 0}
    stop = threading.Event()
    feeder = threading.Thread(target=feed_midi, args=(backend, stop, midi_rate, midi_counts), daemon=True)
    client = subprocess.Popen(
        [sys.executable, "-m", "performer.soak_inputs", str(hub.osc.address[1]), str(osc_rate), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    feeder.start()
    gaps: list[float] = []
    waker = threading.Thread(target=probe_wakeups, args=(stop, gaps), daemon=True)  # the GIL kept free?
    waker.start()

    breaker = FileBreaker(shaders / "cppn.glsl", mapping, session.reloader, break_every, seconds)
    times: list[float] = []
    rss: list[int] = []
    nonfinite = 0
    app.step(time.perf_counter(), 0.0)  # loaded: the programs compile in this first frame
    finish()
    gc_before_freeze = full_collection_cost()
    freeze_startup_heap()  # as App.run does after its first frame
    pauses = CollectorPauses().start()
    start = last = time.perf_counter()
    try:
        while (now := time.perf_counter()) - start < seconds:
            t = now - start
            breaker.tick(t)
            app.step(now, min(now - last, 0.25))
            finish()
            end = time.perf_counter()
            times.append(end - now)
            last = now
            breaker.observe(app.errors + hub.error_lines())  # what the HUD shows in red
            if not np.all(np.isfinite(state.z)) or not all(math.isfinite(v) for v in state.params.values()):
                nonfinite += 1
            if t >= len(rss) * RSS_EVERY:
                rss.append(rss_kb())
            time.sleep(max(0.0, 1 / 60 - (end - now)))  # a 60 Hz display: the loop waits for vsync
    finally:
        stop.set()
        feeder.join(timeout=2)
        waker.join(timeout=2)
        sent_osc = client.communicate(timeout=30)[0].split()
        recording = session.recorder.session
        session.recorder.stop()
        stats = hub.all_stats()
        midi_stats = dict(hub.midi.stats)
        pauses.stop()
        gc_after_show = full_collection_cost()
        session.close()  # waits for ffmpeg to finish the file
        surface.close()
    from performer.record.probe import probe

    info = probe(video) if video.exists() else None
    quarter = max(1, len(rss) // 4)
    result = {
        "seconds": seconds,
        "size": f"{size[0]}x{size[1]}",
        "prints": prints,
        "walk": walk,
        "hold_gil": hold_gil,
        "frames": len(times),
        "frame_ms_median": round(statistics.median(times) * 1e3, 2),
        "frame_ms_p99": round(float(np.percentile(times, 99)) * 1e3, 2),
        "frame_ms_max": round(max(times) * 1e3, 2),
        "frames_over_100ms": sum(t > 0.1 for t in times),
        "gc_full_before_freeze": gc_before_freeze,  # what one full collection cost the loaded show
        "gc_full_after_show": gc_after_show,  # ... and after the show, its startup heap frozen
        "gc_pauses_during_show": pauses.summary(),  # per generation 0, 1, 2
        "rss_mb_first_quarter": round(statistics.median(rss[:quarter]) / 1024, 1) if rss else None,
        "rss_mb_last_quarter": round(statistics.median(rss[-quarter:]) / 1024, 1) if rss else None,
        f"rss_mb_every_{RSS_EVERY:g}s": [round(kb / 1024, 1) for kb in rss],
        "osc_sent": int(sent_osc[0]) if sent_osc else 0,
        "osc_junk_sent": int(sent_osc[1]) if sent_osc else 0,
        "osc_stats": {k: v for k, v in stats.items() if k.startswith("osc_")},
        "wake_gap_ms_p99": round(float(np.percentile(gaps, 99)) * 1e3, 2) if gaps else None,
        "wake_gap_ms_max": round(max(gaps) * 1e3, 2) if gaps else None,
        "midi_sent": midi_counts["sent"],
        "midi_sysex_sent": midi_counts["sysex"],
        "midi_stats": midi_stats,
        "hub_errors": {k: v for k, v in stats.items() if k.endswith("errors")},
        **breaker.counts,
        "part_failures": {name: count for name, (count, _) in app.failures.items()},
        "nonfinite_frames": nonfinite,
        "recording_due": recording.due if recording else 0,
        "recording_dropped": recording.dropped if recording else 0,
        "recording_frames": info.frames if info else 0,
        "recording_seconds": round(info.seconds, 2) if info else 0.0,
        "workdir": str(workdir),
    }
    result["ok"] = bool(
        result["frames"] > 0
        and nonfinite == 0
        and info is not None
        and info.frames > 0
        and breaker.all_shown_and_cleared
        and not app.failures
    )
    if own_dir and result["ok"]:
        shutil.rmtree(workdir, ignore_errors=True)
        result["workdir"] = None
    return result


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("soak", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seconds", type=float, default=60.0)
    p.add_argument("--size", default="640x360", help="frame size WxH")
    p.add_argument("--model", type=Path, help="model .safetensors (default: shipped)")
    p.add_argument("--no-prints", action="store_true", help="without the learned-print worker")
    p.add_argument("--osc-rate", type=float, default=2000.0, help="OSC datagrams per second (a quarter junk)")
    p.add_argument("--midi-rate", type=float, default=500.0, help="MIDI messages per second")
    p.add_argument("--break-every", type=float, default=10.0, help="seconds between broken shader + mapping")
    p.add_argument("--walk", default="groove")
    p.add_argument(
        "--hold-gil",
        action="store_true",
        help="for comparison: let the loop wait for frames inside moderngl, holding the GIL",
    )
    return p


def run(args: argparse.Namespace) -> int:
    try:
        size = parse_size(args.size)
    except argparse.ArgumentTypeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.seconds < 1 or args.osc_rate <= 0 or args.midi_rate <= 0 or args.break_every < 3:
        print("error: --seconds >= 1, rates > 0, --break-every >= 3", file=sys.stderr)
        return 2
    result = soak(
        args.seconds,
        size,
        args.model,
        not args.no_prints,
        args.osc_rate,
        args.midi_rate,
        args.break_every,
        args.walk,
        hold_gil=args.hold_gil,
    )
    print(json.dumps(result, indent=1))
    return 0 if result["ok"] else 1
