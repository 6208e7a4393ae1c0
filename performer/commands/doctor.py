"""`performer doctor`: is this machine ready for a show? One line per check, at soundcheck, not on stage.

Checks the model and print files, the landmarks and walks, OpenGL (a headless context, and a window with
its monitors when there is a display), one rendered frame's time at the show size, MIDI ports, joysticks,
the OSC port, ffmpeg and its encoders, and the free disk space where recordings go. OK, WARN (works, but
look) or FAIL (will not work); the exit code is 1 if anything FAILed.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from performer.cli_types import parse_size
from performer.measure import median_ms
from performer.paths import DEFAULT_LANDMARKS, DEFAULT_MODEL, DEFAULT_PRINTS, WALK_DIR

OK, WARN, FAIL = "OK", "WARN", "FAIL"
LOW_DISK_GB = 5.0  # an hour of 1080p HAP is tens of GB; below this, say so
SLOW_FRAME_MS = 1000 / 30  # slower than 30 fps at the show size: warn


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("doctor", description=__doc__)
    p.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="model .safetensors (default: shipped)")
    p.add_argument("--prints", type=Path, default=DEFAULT_PRINTS, help="learned prints file (default: shipped)")
    p.add_argument("--size", type=parse_size, default=(1920, 1080), help="the show's frame size WxH")
    p.add_argument("--osc-host", default="127.0.0.1")
    p.add_argument("--osc-port", type=int, default=9000)
    p.add_argument("--record-dir", type=Path, default=Path("recordings"))
    return p


def check_model(args) -> tuple[str, str]:
    from performer.model.checkpoint import load_model

    model = load_model(args.model)
    steps = model.info.get("steps", "?")
    garments = f", {len(model.garments)} garment latents" if model.garments is not None else ""
    level = OK if model.garments is not None else WARN
    note = "" if model.garments is not None else " (no garment latents: R jumps anywhere in the prior)"
    kb = args.model.stat().st_size // 1024
    return level, f"model {args.model} ({kb} KB, {steps} training steps{garments}){note}"


def check_prints(args) -> tuple[str, str]:
    from performer.prints.files import load_prints

    prints = load_prints(args.prints)
    return OK, f"prints {args.prints}: {', '.join(prints.names)}"


def check_presets(args) -> tuple[str, str]:
    from performer.presets.landmarks import load_landmarks
    from performer.walks.schema import WalkError, load_walk

    landmarks = load_landmarks(DEFAULT_LANDMARKS)  # LandmarkError names file, line and key
    broken = []
    paths = sorted(WALK_DIR.glob("*.yaml"))
    for path in paths:
        try:
            load_walk(path, landmarks, len(landmarks[0].z) if landmarks else 8)
        except WalkError as exc:
            broken.append(str(exc).splitlines()[0])
    if broken:
        return FAIL, f"walks that will not load: {'; '.join(broken)}"
    return OK, f"{len(landmarks)} landmarks, {len(paths)} walks ({', '.join(p.stem for p in paths)})"


def check_headless_gl(args) -> tuple[str, str]:
    import numpy as np

    from performer.render.context import create_headless_context, gil_free_finish
    from performer.render.cppn_renderer import CppnRenderer
    from performer.render.weights import CppnWeights
    from performer.state import PerformanceState

    ctx = create_headless_context()
    try:
        renderer = CppnRenderer(ctx, CppnWeights.from_file(args.model))
        finish, state = gil_free_finish(ctx), PerformanceState()

        def frame() -> None:  # z moves each time: every call is a real new frame
            state.set_latent(0, float(np.sin(state.version)))
            renderer.render(state, args.size)
            finish()

        ms = median_ms(frame, 5)  # its warm-up frame compiles the shader
        renderer.release()
        level = OK if ms <= SLOW_FRAME_MS else WARN
        return level, (
            f"OpenGL {ctx.info['GL_VERSION']} on {ctx.info['GL_RENDERER']}: a {args.size[0]}x"
            f"{args.size[1]} frame in {ms:.1f} ms ({1000 / ms:.0f} fps){'' if level == OK else ' (slow)'}"
        )
    finally:
        ctx.release()


def check_window(args) -> tuple[str, str]:
    from performer.render.window import display_available

    if not display_available():
        return WARN, "no display (DISPLAY/WAYLAND_DISPLAY unset): `performer play` needs one, --headless does not"
    # In a process of its own: the headless check's EGL context and a GLX window do not share a thread
    # well, and an X error ends the process that gets it.
    run = subprocess.run(
        [sys.executable, "-c", "from performer.commands.doctor import window_report as w; w()"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    if run.returncode != 0 or not run.stdout.strip():
        reason = (run.stderr.strip().splitlines() or ["no output"])[-1]
        return FAIL, f"no OpenGL 3.3 window on this display: {reason}"
    return OK, run.stdout.strip().splitlines()[-1]


def window_report() -> None:
    """Open a window, list monitors and joysticks, print one line (run by check_window in a child)."""
    import glfw

    from performer.render.window import GlfwWindow

    window = GlfwWindow((64, 64), title="performer doctor", vsync=False)
    try:
        monitors = []
        for index, monitor in enumerate(glfw.get_monitors() or []):
            mode = glfw.get_video_mode(monitor)
            monitors.append(
                f"{index}: {glfw.get_monitor_name(monitor).decode(errors='replace')} "
                f"{mode.size.width}x{mode.size.height}@{mode.refresh_rate}"
            )
        joysticks = [
            glfw.get_joystick_name(j).decode(errors="replace")
            for j in range(glfw.JOYSTICK_LAST + 1)
            if glfw.joystick_present(j)
        ]
        renderer = window.ctx.info["GL_RENDERER"]
    finally:
        window.close()
    print(
        f"window on {renderer}; monitors {'; '.join(monitors) or 'none'}; joysticks: {', '.join(joysticks) or 'none'}"
    )


def check_midi(args) -> tuple[str, str]:
    import mido

    try:
        inputs, outputs = mido.get_input_names(), mido.get_output_names()
    except Exception as exc:  # no ALSA sequencer / CoreMIDI / WinMM: rtmidi raises
        return WARN, f"MIDI unavailable ({str(exc).strip() or type(exc).__name__}): faders will not work here"
    if not inputs:
        return WARN, "MIDI works but no input port is plugged in"
    return OK, f"MIDI inputs: {', '.join(inputs)}; outputs: {', '.join(outputs) or 'none'}"


def check_osc(args) -> tuple[str, str]:
    family = socket.AF_INET6 if ":" in args.osc_host else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        try:
            sock.bind((args.osc_host, args.osc_port))
        except OSError as exc:
            return FAIL, (
                f"OSC port {args.osc_host}:{args.osc_port} cannot be opened ({exc.strerror}): another "
                "program has it; close it or use --osc-port"
            )
    return OK, f"OSC port {args.osc_host}:{args.osc_port} is free"


def check_ffmpeg(args) -> tuple[str, str]:
    import imageio_ffmpeg

    from performer.record.codecs import CODECS

    exe = imageio_ffmpeg.get_ffmpeg_exe()
    listing = subprocess.run([exe, "-hide_banner", "-encoders"], capture_output=True, text=True, timeout=30).stdout
    have = {c.name for c in CODECS.values() if f" {c.encoder} " in listing}
    missing = sorted(set(CODECS) - have)
    version = imageio_ffmpeg.get_ffmpeg_version()
    if missing:
        return WARN, f"ffmpeg {version}: no encoder for {', '.join(missing)} (recording those will fail)"
    return OK, f"ffmpeg {version}: {', '.join(sorted(have))}"


def check_disk(args) -> tuple[str, str]:
    directory = args.record_dir if args.record_dir.exists() else Path.cwd()
    free = shutil.disk_usage(directory).free / 1e9
    level = OK if free >= LOW_DISK_GB else WARN
    return level, f"{free:.1f} GB free for recordings in {directory.resolve()}"


CHECKS: tuple[tuple[str, Callable], ...] = (
    ("model", check_model),
    ("prints", check_prints),
    ("presets", check_presets),
    ("gl", check_headless_gl),
    ("window", check_window),
    ("midi", check_midi),
    ("osc", check_osc),
    ("ffmpeg", check_ffmpeg),
    ("disk", check_disk),
)


def run(args: argparse.Namespace) -> int:
    failed = False
    for name, check in CHECKS:
        try:
            level, line = check(args)
        except Exception as exc:  # a check that cannot run is the finding
            level, line = FAIL, f"{name}: {type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc) else ''}"
        failed |= level == FAIL
        print(f"{level:<4}  {line}")
        sys.stdout.flush()
    return 1 if failed else 0
