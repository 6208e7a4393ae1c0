"""`performer bench-audio`: what audio analysis costs the frame thread, per video frame.

A synthetic song (made here, seeded: a kick on every beat at 128 BPM, a hi-hat off the beat, a chord; --write-song
keeps it as a WAV to render to)
is handed to the live source's callback in PortAudio-sized blocks and the frame thread's part is timed frame
by frame, as `performer play --audio-in` runs it: draining the queue, the aubio analysis of the hops that
came, and making the frame's `audio` events. Then the hub with the shipped mappings/audio.yaml on top (the
bindings, envelopes and actions those events drive), and the offline path of `render --audio` (the whole
song analysed and turned into poses), per frame. Times are CPU time of this thread, so other work on the
machine does not count. Printed: mean, 99th percentile and worst per frame; the tempo and beats read.
The exit code is 1 if the live analysis's mean reaches the goal (1 ms a frame at 60 fps).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

GOAL_MS = 1.0


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("bench-audio", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seconds", type=float, default=30.0, help="length of the synthetic song (default 30)")
    p.add_argument("--fps", type=float, default=60.0, help="video frames a second (default 60)")
    p.add_argument("--rate", type=int, default=48000, help="sample rate (default 48000)")
    p.add_argument("--block", type=int, default=512, help="samples per PortAudio block (default 512)")
    p.add_argument("--write-song", type=Path, metavar="WAV", help="also write the synthetic song here (to render to)")
    return p


def synthetic_song(seconds: float, rate: int, bpm: float = 128.0, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * rate)) / rate
    x = 0.08 * (np.sin(2 * np.pi * 220 * t) + np.sin(2 * np.pi * 277.2 * t) + np.sin(2 * np.pi * 329.6 * t))
    kick_t = np.arange(int(0.15 * rate)) / rate
    kick = 0.7 * np.sin(2 * np.pi * (50 + 150 * np.exp(-kick_t * 40)) * kick_t) * np.exp(-kick_t * 20)
    hat = 0.15 * rng.standard_normal(int(0.04 * rate)) * np.exp(-np.arange(int(0.04 * rate)) / rate * 90)
    for beat in range(int(seconds * bpm / 60) + 1):
        for offset, sound in ((0.0, kick), (0.5, hat)):
            start = int(round((beat + offset) * 60 / bpm * rate))
            end = min(start + len(sound), len(x))
            if start < end:
                x[start:end] += sound[: end - start]
    return x.astype(np.float32)


def summary(name: str, seconds: list[float]) -> str:
    ms = np.array(seconds) * 1e3
    return (
        f"{name}: mean {ms.mean():.3f} ms, p99 {np.percentile(ms, 99):.3f} ms, worst {ms.max():.3f} ms "
        f"per frame ({len(ms)} frames)"
    )


def live(samples: np.ndarray, args, hub_mapping=None) -> tuple[list[float], object]:
    """CPU seconds of each frame's audio work on the frame thread (the hub's too, with a mapping)."""
    from performer.sources.audio import AudioSource

    source = AudioSource(args.rate, "bench", max_blocks=1 << 20)
    hub = state = None
    if hub_mapping is not None:
        from performer.controls.hub import ControlHub
        from performer.state import PerformanceState

        actions = {"preset_next": lambda: None, "tap_tempo": lambda: None}
        hub = ControlHub([hub_mapping], osc=False, midi=False, actions=actions)
        hub.sources.put("audio", source)  # in the table's place: no sound card is opened
        hub.start()
        state = PerformanceState()
    times, sent = [], 0
    for frame in range(int(len(samples) / args.rate * args.fps)):
        now = (frame + 1) / args.fps
        while sent + args.block <= now * args.rate:  # what PortAudio's thread delivered meanwhile
            source.callback(samples[sent : sent + args.block].reshape(-1, 1), args.block, None, None)
            sent += args.block
        started = time.thread_time()
        if hub is not None:
            hub.update(state, now, 1.0 / args.fps)
        else:
            source.events(now)
        times.append(time.thread_time() - started)
    if hub is not None:
        hub.close()
    return times, source


def run(args: argparse.Namespace) -> int:
    from performer.audio.features import analyse
    from performer.audio.offline import DEFAULT_MAPPING, song_poses
    from performer.walks.keyframes import Keyframe, KeyframeWalk
    from performer.walks.pose import Pose

    samples = synthetic_song(args.seconds, args.rate)
    if args.write_song is not None:
        import soundfile

        from performer.safe_files import atomic_path

        with atomic_path(args.write_song, "song") as partial:
            soundfile.write(partial, samples, args.rate, subtype="PCM_16", format="WAV")
        print(f"wrote {args.write_song}")
    print(
        f"a {args.seconds:g} s synthetic song at {args.rate} Hz, 128 BPM; {args.fps:g} fps, {args.block}-sample blocks"
    )
    times, source = live(samples, args)
    print(summary("live analysis (queue, aubio, events)", times))
    last = source.last
    print(f"  read: {last.tempo:.2f} BPM, {last.beats} beats, {source.analyser.hops} hops")
    hub_times, _ = live(samples, args, DEFAULT_MAPPING)
    print(summary(f"live analysis + hub with mappings/{DEFAULT_MAPPING.name}", hub_times))

    started = time.thread_time()
    frames = analyse(samples, args.rate, args.fps)
    analysed = time.thread_time() - started
    walk = KeyframeWalk([Keyframe(Pose(np.zeros(8)), 4.0), Keyframe(Pose(np.ones(8)), 4.0)], "linear", True, "beats")
    started = time.thread_time()
    song_poses(walk, frames, args.fps, [DEFAULT_MAPPING], [], 8, 128.0)
    posed = time.thread_time() - started
    count = len(frames)
    print(
        f"render --audio before the first frame: analysis {analysed / count * 1e3:.3f} ms, poses "
        f"{posed / count * 1e3:.3f} ms per frame ({count} frames: {analysed + posed:.2f} s for the song)"
    )
    mean = float(np.mean(times)) * 1e3
    print(f"goal: live analysis <= {GOAL_MS:g} ms a frame: {'met' if mean < GOAL_MS else 'MISSED'} ({mean:.3f} ms)")
    return 0 if mean < GOAL_MS else 1
