"""`performer COMMAND`: the command line for people. Each command is a module in performer/commands/ (the
command's name with _ for -) with add_parser(subparsers) and run(args) -> exit code; add a new one to COMMANDS.

Only the chosen command's module is imported, so one command's imports never slow another's start, and
`performer --help` imports none: the one-line help of every command lives here, in COMMANDS."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Iterable

COMMANDS = {
    "train": "train a model",
    "sample": "write a grid of samples",
    "bench-quality": "measure sample quality",
    "play": "play the model live (window or --headless)",
    "bench-render": "benchmark the shader CPPN against torch",
    "learn": "write a mapping file by moving controls",
    "bench-osc": "OSC flood while rendering: frame time, state, memory",
    "render": "render a walk to a video file, headless",
    "landmarks": "list landmarks and draw their contact sheet",
    "show": "live performer with a display, else render the landmark tour",
    "bench-record": "benchmark offline rendering and live recording",
    "bench-train": "CPU time of one training step and what a CPU-minute buys (--compare another checkout)",
    "train-prints": "train learned prints (fast style transfer)",
    "bench-prints": "benchmark learned prints and the render loop with them",
    "train-loss-net": "train the learned prints' loss network on code-made texture patches",
    "soak": "a whole show under junk input, broken files and recording",
    "doctor": "check this machine before a show (GL, MIDI, OSC, ffmpeg, files)",
    "map": "add the garments' 2-D map and classes to a model file",
    "prior": "refit a model file's learned prior to its training garments",
    "recentre": "a model file whose N(0, I) falls on its garments' aggregate posterior (an A/B tool)",
    "bench-osc-match": "OSC address pattern matching: time by pattern length",
    "bench-start": "time from starting `play --headless` to its first frame (--compare another checkout)",
    "bench-scale": "render scale: PSNR of each scale, and the live loop holding --fps with auto",
    "bench-operator": "the operator window's cost against the output alone, and its screenshot",
    "bench-audio": "audio analysis: its cost per frame on the frame thread, live and for render --audio",
    "bench-link": "Ableton Link with a second peer on this machine: agreement, tempo change delays",
    "bench-alpha": "the transparent background: RGBA readback, alpha codecs' encoding, live HAP Alpha",
    "bench-ndi": "the render loop with and without NDI (a receiver on loopback), in one run",
    "export-isf": "the model as an ISF generator and Shadertoy / TouchDesigner GLSL",
    "bench-isf": "the exported ISF shader's per-pixel cost and ms per frame against performer's own shader",
}


class CommandParsers:
    """What a command's add_parser receives: argparse's subparsers, the command's help line taken from COMMANDS."""

    def __init__(self, subparsers) -> None:
        self.subparsers = subparsers

    def add_parser(self, name: str, **options) -> argparse.ArgumentParser:
        return self.subparsers.add_parser(name, help=COMMANDS[name], **options)


def command_module(name: str):
    return importlib.import_module(f"performer.commands.{name.replace('-', '_')}")


def chosen_command(argv: list[str]) -> str | None:
    """The command argv names: its first word that is not an option (the top level takes no values)."""
    return next((word for word in argv if not word.startswith("-")), None)


def build_parser(commands: Iterable[str] | None = None) -> argparse.ArgumentParser:
    """The parser with `commands` (default: all) built in full; the rest are listed by name and help only,
    their modules not imported."""
    full = set(COMMANDS if commands is None else commands)
    parser = argparse.ArgumentParser(
        prog="performer",
        description="A live fashion space to play: a GAN-VAE-CPPN rendered per pixel in GLSL, driven by OSC, "
        "MIDI and joysticks. Start with `performer show` (or `performer play`).",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, help_line in COMMANDS.items():
        if name not in full:
            subparsers.add_parser(name, help=help_line, add_help=False)
            continue
        module = command_module(name)
        sub = module.add_parser(CommandParsers(subparsers))
        sub.set_defaults(run=module.run, parse_command=parse_command)
    return parser


def parse_command(argv: list[str]) -> argparse.Namespace:
    """argv parsed as the command line would be, only its command's module imported. Every command's args
    carry this as args.parse_command, so a command that runs another (show runs play or render) does not
    import the CLI."""
    chosen = chosen_command(argv)
    return build_parser([chosen] if chosen in COMMANDS else []).parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_command(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        return int(args.run(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
