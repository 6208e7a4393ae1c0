"""`performer SUBCOMMAND`: the command line for people. Each subcommand is a module in performer/commands/
with add_parser(subparsers) and run(args) -> exit code; add a new one to COMMANDS."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

COMMANDS = ("train", "sample", "bench_quality", "play", "bench_render", "learn", "bench_osc", "render", "landmarks",
            "show", "bench_record", "train_prints", "bench_prints", "soak", "doctor", "bench_osc_match")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="performer",
        description="A live fashion space to play: a GAN-VAE-CPPN rendered per pixel in GLSL, driven by OSC, "
        "MIDI and joysticks. Start with `performer show` (or `performer play`).",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        module = importlib.import_module(f"performer.commands.{name}")
        sub = module.add_parser(subparsers)
        sub.set_defaults(run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
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
