"""The options of `performer play`, for the play command and for anything that builds a play session from a
command line the way play does (soak), without importing the command."""

from __future__ import annotations

import argparse
from pathlib import Path

from performer.cli_types import parse_fps, parse_size
from performer.paths import DEFAULT_LANDMARKS, DEFAULT_MODEL, DEFAULT_PRINTS, SHADER_DIR
from performer.render.scale import parse_render_scale


def add_play_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="model .safetensors (default: shipped)")
    p.add_argument("--size", type=parse_size, default=(1280, 720), help="window or frame size WxH")
    p.add_argument("--fullscreen", action="store_true", help="start fullscreen (F toggles)")
    p.add_argument("--monitor", type=int, default=0, help="monitor index for the window / fullscreen")
    p.add_argument("--no-vsync", action="store_true", help="do not wait for the display refresh")
    p.add_argument("--no-operator", action="store_true", help="no operator window: one window with the HUD, as before")
    p.add_argument(
        "--output-monitor",
        type=int,
        metavar="N",
        help="the clean output fullscreen on monitor N (the operator elsewhere)",
    )
    p.add_argument("--operator-screenshot", type=Path, metavar="FILE", help="write the operator window to this PNG")
    p.add_argument(
        "--operator-fps",
        type=parse_fps,
        default=30.0,
        help="the operator window's redraws a second (default 30: the output keeps the rest of the frame budget)",
    )
    p.add_argument(
        "--fps",
        type=parse_fps,
        default=60.0,
        help="show at most this many frames a second (default 60); the loop sleeps in between",
    )
    p.add_argument(
        "--render-scale",
        type=parse_render_scale,
        default=1.0,
        help="draw the CPPN at this fraction of the output's size (0.25..1) and upscale it; auto: the largest "
        "that holds --fps",
    )
    p.add_argument("--headless", action="store_true", help="no window: render on an EGL context")
    p.add_argument("--frames", type=int, help="stop after N frames (headless default 60)")
    p.add_argument("--out", type=Path, help="write the last frame to this PNG")
    p.add_argument("--z", help="start at this z: comma-separated numbers")
    p.add_argument("--seed", type=int, help="seed for R (random point)")
    p.add_argument("--hud", action="store_true", help="start with the HUD on (H toggles)")
    p.add_argument(
        "--previews", action="store_true", help="start with the latent previews on: each latent at 5 values (G toggles)"
    )
    p.add_argument(
        "--weights",
        default="auto",
        choices=("auto", "const", "ubo", "texture"),
        help="where the shader reads weights from (auto: fastest that fits)",
    )
    p.add_argument("--snapshot-dir", type=Path, default=Path("snapshots"), help="where S saves PNGs")
    p.add_argument("--no-reload", action="store_true", help="do not watch shaders/ for edits")
    p.add_argument(
        "--shaders",
        type=Path,
        default=SHADER_DIR,
        help="folder with the GLSL programs (default: the shipped shaders/; edit a copy live)",
    )
    from performer.record.codecs import CODECS

    show = p.add_argument_group("landmarks, walks, recording")
    show.add_argument("--bpm", type=float, default=120.0, help="walk tempo (tap tempo / MIDI clock override it)")
    show.add_argument(
        "--link",
        action="store_true",
        help="join an Ableton Link session: its tempo and bars drive walks in beats, tap tempo sets its tempo "
        "(pip install -e '.[link]')",
    )
    show.add_argument("--landmarks", type=Path, default=DEFAULT_LANDMARKS, help="landmarks file")
    show.add_argument("--walk", help="start playing this walk (a name in presets/walks)")
    show.add_argument(
        "--audio-in",
        metavar="DEVICE",
        help="audio input (a device name substring or index, or 'default'): its features drive `audio:` mappings",
    )
    show.add_argument(
        "--audio-file",
        type=Path,
        metavar="SONG",
        help="play a WAV/FLAC/OGG as the audio source, looped (heard where there is a sound device)",
    )
    show.add_argument("--record-dir", type=Path, default=Path("recordings"), help="where V records to")
    show.add_argument("--record-fps", type=float, default=30.0)
    show.add_argument("--record-codec", choices=tuple(CODECS), default="h264")
    show.add_argument(
        "--background",
        choices=("colour", "transparent"),
        default="colour",
        help="start with this background mode (the background parameter); transparent: alpha is the garment's "
        "mask, for --record-codec hap_alpha / prores_4444 / png and alpha outputs",
    )
    show.add_argument(
        "--output",
        action="append",
        default=[],
        metavar="MODULE:FACTORY",
        help="plug in an output (see performer/outputs/base.py) that FACTORY() in MODULE makes; repeatable",
    )
    share = p.add_argument_group("outputs to other programs (extras: performer[ndi], [syphon] macOS, [spout] Windows)")
    share.add_argument("--ndi", metavar="NAME", help="send the output as an NDI source with alpha, named NAME")
    share.add_argument("--syphon", metavar="NAME", help="share the output texture as a Syphon server (macOS)")
    share.add_argument("--spout", metavar="NAME", help="share the output texture as a Spout sender (Windows)")
    prints = p.add_argument_group("prints")
    prints.add_argument("--prints", type=Path, default=DEFAULT_PRINTS, help="learned prints file (default: shipped)")
    prints.add_argument("--no-prints", action="store_true", help="procedural prints only (no print worker)")
    from performer.controls.cli_options import add_arguments

    add_arguments(p)  # --mapping, --osc-host/--osc-port/--osc-allow/--osc-feedback, --midi-in
