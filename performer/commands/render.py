"""`performer render WALK.yaml --out FILE`: a walk rendered headless to a video, frame-exact.

Ctrl-C (or SIGTERM) stops between frames and finishes the file: it plays, up to the last frame rendered,
and the command says how many that is ("interrupted: N frames written to FILE", exit status 130).
The same walk file and seed give the same frames on the same machine (--hashes writes one SHA-256 per
frame to check). Any size and aspect: HAP needs multiples of 4, H.264 writes odd sizes as 4:4:4.
With an alpha codec (hap_alpha, prores_4444, png: a folder of PNGs) the background is transparent unless
--background colour: alpha is the garment's mask.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from performer.cli_types import parse_size
from performer.paths import DEFAULT_LANDMARKS, DEFAULT_MODEL, DEFAULT_PRINTS
from performer.record.codecs import CODECS
from performer.state import BACKGROUND_MODES


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("render", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("walk", type=Path, help="a walk file (presets/walks/*.yaml)")
    p.add_argument(
        "--out", type=Path, required=True, help="video file to write (.mp4 for h264, .mov otherwise; a folder for png)"
    )
    p.add_argument("--size", type=parse_size, default=(1280, 720), help="WxH (default 1280x720)")
    p.add_argument("--fps", type=float, default=30.0, help="frames per second (default 30)")
    p.add_argument(
        "--codec", choices=tuple(CODECS), default="h264", help="; ".join(f"{c.name}: {c.doc}" for c in CODECS.values())
    )
    p.add_argument(
        "--background",
        choices=BACKGROUND_MODES,
        help="colour: bg_r/g/b as in play; transparent: alpha is the garment's mask (default: transparent with an "
        "alpha codec, else colour)",
    )
    p.add_argument("--duration", type=float, help="seconds (default: one loop, or the whole walk)")
    p.add_argument("--seed", type=int, help="seed for generative walks (default: the file's)")
    p.add_argument("--bpm", type=float, help="tempo for walks in beats (default: the file's)")
    p.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="model .safetensors (default: shipped)")
    p.add_argument("--landmarks", type=Path, default=DEFAULT_LANDMARKS, help="landmarks file the walk names")
    p.add_argument("--weights", default="auto", choices=("auto", "const", "ubo", "texture"))
    p.add_argument(
        "--prints",
        type=Path,
        default=DEFAULT_PRINTS,
        help="learned prints file, for walks that show one (default: shipped)",
    )
    p.add_argument("--hashes", type=Path, help="write each frame's SHA-256 here, one per line")
    p.add_argument(
        "--audio",
        type=Path,
        metavar="SONG",
        help="a WAV/FLAC/OGG whose features drive the --mapping targets; muxed in (AAC in mp4, PCM in mov), and "
        "the video lasts as long as the song",
    )
    p.add_argument(
        "--mapping",
        action="append",
        type=Path,
        default=[],
        metavar="FILE",
        help="with --audio (default: mappings/audio.yaml)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p


def check_args(args: argparse.Namespace) -> None:
    from performer.walks.tempo import check_bpm

    if not 1 <= args.fps <= 240:
        raise ValueError(f"--fps must be in 1..240, got {args.fps:g}")
    if args.bpm is not None:
        check_bpm(args.bpm)
    if args.duration is not None and not 0 < args.duration <= 24 * 3600:
        raise ValueError(f"--duration must be in 0..86400 seconds, got {args.duration:g}")
    if CODECS[args.codec].sequence:
        from performer.record.offline import check_sequence_folder

        check_sequence_folder(args.out)
    elif args.out.is_dir():  # found now, not after the last frame when the file is renamed into place
        raise ValueError(f"--out {args.out} is a folder; give a file name")
    if getattr(args, "audio", None) is not None:
        from performer.audio.mux import audio_codec

        audio_codec(args.out)  # a png sequence takes no sound: said before the first frame


def run(args: argparse.Namespace) -> int:
    from performer.model.checkpoint import ModelFileError
    from performer.presets.landmarks import LandmarkError, load_landmarks
    from performer.prints.files import PrintFileError
    from performer.record.codecs import check_size
    from performer.render.context import NoGLError
    from performer.render.program import ShaderError
    from performer.walks.schema import WalkError, load_walk

    try:
        check_args(args)
        check_size(CODECS[args.codec], args.size)
        from performer.render.weights import CppnWeights

        weights = CppnWeights.from_file(args.model)
        landmarks = load_landmarks(args.landmarks, weights.latent_dim) if args.landmarks.exists() else []
        spec, walk = load_walk(args.walk, landmarks, weights.latent_dim, args.seed)
    except (ValueError, ModelFileError, LandmarkError, WalkError) as exc:
        print(f"performer render: {exc}", file=sys.stderr)
        return 2
    try:
        return render(args, weights, spec, walk)
    except (NoGLError, ShaderError, PrintFileError, ModelFileError) as exc:
        print(f"performer render: {exc}", file=sys.stderr)
        return 1


def uses_learned_prints(walk, positions, latent_dim: int) -> bool:
    """True if any frame shows a learned print (a print slot past the procedural ones, with opacity > 0):
    only then is torch loaded to stylise."""
    from performer.prints.slots import PROCEDURAL_PRINTS
    from performer.state import PerformanceState
    from performer.walks.pose import apply_pose

    state = PerformanceState(latent_dim=latent_dim)
    for position in positions:
        apply_pose(state, walk.sample(float(position)))
        p = state.params
        if (
            p.get("print_opacity", 0.0) > 0.0
            and max(p.get("print_a", 0), p.get("print_b", 0)) >= len(PROCEDURAL_PRINTS) - 0.5
        ):
            return True
    return False


class NothingWritten(Exception):
    """Stopped before the first frame: the empty file is discarded (an older file at --out is kept)."""


def render(args: argparse.Namespace, weights, spec, walk) -> int:
    from tqdm import tqdm

    from performer.record.offline import (
        StopRequest,
        atomic_folder,
        frame_hash,
        frame_positions,
        render_frames,
        write_video,
    )
    from performer.record.writer import FfmpegWriter, RecordError
    from performer.render.context import create_headless_context
    from performer.render.cppn_renderer import CppnRenderer
    from performer.safe_files import WriteError, atomic_path, atomic_write_text
    from performer.state import PerformanceState

    bpm = args.bpm if args.bpm is not None else spec.bpm
    try:
        if args.audio is None:
            positions = frame_positions(walk, args.fps, bpm, args.duration)
        else:  # the song's features on the mapped targets, frame by frame: its poses are the walk rendered
            from performer.audio.offline import drive_for_render

            walk, positions = drive_for_render(args, walk, bpm, weights.latent_dim)
    except ValueError as exc:
        print(f"performer render: {exc}", file=sys.stderr)
        return 2
    ctx = create_headless_context()
    prints = None
    if uses_learned_prints(walk, positions, weights.latent_dim):
        from performer.prints.live import immediate_prints

        prints = immediate_prints(ctx, args.model, args.prints)  # a bad file: a clear error before any frame
    renderer = CppnRenderer(ctx, weights, args.weights, prints=prints)
    hashes: list[str] = []
    width, height = args.size
    bar = tqdm(
        total=len(positions), unit="frame", disable=args.no_progress, desc=args.out.name, dynamic_ncols=True
    )  # tqdm's bar shows the rate and the ETA
    started = time.perf_counter()

    def on_frame(_index: int, frame: bytes) -> None:
        if args.hashes:
            hashes.append(frame_hash(frame))
        bar.update(1)

    codec = CODECS[args.codec]
    base = PerformanceState(latent_dim=weights.latent_dim)
    background = args.background or ("transparent" if codec.alpha else "colour")
    base.set("background", BACKGROUND_MODES.index(background))
    # The video goes to a temporary file beside --out, renamed when ffmpeg has finished it: --out is only
    # ever a whole, playable file (a png sequence: a temporary folder). Ctrl-C stops between frames; the
    # frames so far are finished the same way.
    count = 0
    try:
        with StopRequest() as stop:
            with (
                atomic_folder(args.out) if codec.sequence else atomic_path(args.out, "video") as partial,
                FfmpegWriter(partial, args.size, args.fps, args.codec) as writer,
            ):
                frames = render_frames(renderer, walk, positions, args.size, weights.latent_dim, base, codec.components)
                count = write_video(frames, writer, on_frame, stop)
                if count == 0:
                    raise NothingWritten
    except NothingWritten:
        bar.close()
        print(f"interrupted before the first frame: nothing written to {args.out}", file=sys.stderr)
        return 130
    except (RecordError, OSError) as exc:  # WriteError included: ffmpeg's file was removed
        bar.close()
        reason = exc.reason if isinstance(exc, (WriteError, RecordError)) else exc
        print(f"performer render: failed writing {args.out}: {reason} (nothing left behind)", file=sys.stderr)
        return 1
    finally:
        if renderer.prints is not None:
            renderer.prints.release()
        renderer.release()
    bar.close()
    if args.hashes:
        try:
            atomic_write_text(args.hashes, "\n".join(hashes) + "\n", "frame hashes")
        except WriteError as exc:
            print(f"performer render: {exc} (the video is complete)", file=sys.stderr)
            return 1
    if args.audio is not None:
        from performer.audio.mux import mux_audio

        try:
            mux_audio(args.out, args.audio, count / args.fps)  # cut at the video's end (when interrupted)
        except (RecordError, WriteError) as exc:
            print(f"performer render: {exc} (the video is complete, without sound)", file=sys.stderr)
            return 1
        print(f"{args.audio.name} muxed into {args.out}: {walk.tempo:.1f} BPM, {walk.beats} beats", flush=True)
    if stop():
        print(f"interrupted: {count} frames written to {args.out} ({count / args.fps:.2f} s of video)", flush=True)
        return 130
    if ctx.error != "GL_NO_ERROR":
        print(f"performer render: OpenGL reported {ctx.error}", file=sys.stderr)
        return 1
    seconds = time.perf_counter() - started
    print(
        f"wrote {args.out}: {count} frames, {width}x{height} at {args.fps:g} fps ({count / args.fps:.2f} s of "
        f"video), {args.codec}, {background} background; walk {spec.name} ({spec.kind}); {count / seconds:.1f} frames/s"
    )
    return 0
