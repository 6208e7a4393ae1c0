"""`performer play` wiring for the controllers: `add_arguments(parser)` adds the options and
`build_inputs(args, actions, keyboard=...)` returns the list of input objects (one ControlHub, started, with
the app's keyboard among its sources). Play starts with whatever works: a mapping file that fails to load, an
OSC port that is taken, a MIDI port asked for by name that is not there are each a HUD error line until they
work (the file is watched, the port tried again). `--source MODULE:FUNCTION` plugs in a source of another
kind (see performer/sources/base.py) without editing any file."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from performer.controls.hub import DEFAULT_LEARN_FILE, ControlHub
from performer.controls.mapping_schema import MappingError
from performer.controls.osc_feedback import parse_host_port
from performer.controls.osc_server import DEFAULT_HOST, DEFAULT_PORT
from performer.sources.base import DEFAULT_OSC_RETRY, Factory, Source, load_factory
from performer.targets import provide


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("controllers (OSC, MIDI, joysticks)")
    group.add_argument(
        "--mapping",
        action="append",
        type=Path,
        default=[],
        metavar="FILE",
        help="a mappings/*.yaml file (repeatable, e.g. one per device); hot-reloaded on save",
    )
    group.add_argument("--osc-host", help=f"OSC listen address (default {DEFAULT_HOST}; 0.0.0.0 opens the LAN)")
    group.add_argument("--osc-port", type=int, help=f"OSC listen port (default {DEFAULT_PORT})")
    group.add_argument(
        "--osc-allow",
        action="append",
        default=[],
        metavar="ADDR",
        help="only accept OSC from this sender address (repeatable)",
    )
    group.add_argument(
        "--osc-feedback",
        action="append",
        default=[],
        metavar="HOST:PORT",
        help="send current values here when they change (repeatable)",
    )
    group.add_argument(
        "--osc-retry",
        type=float,
        default=DEFAULT_OSC_RETRY,
        metavar="SECONDS",
        help=f"try a taken OSC port again this often (default {DEFAULT_OSC_RETRY:g})",
    )
    group.add_argument("--no-osc", action="store_true", help="do not listen for OSC")
    group.add_argument(
        "--midi-in",
        action="append",
        default=[],
        metavar="NAME",
        help="open MIDI inputs whose name contains NAME ('all' for every port; repeatable)",
    )
    group.add_argument("--no-midi", action="store_true", help="do not open MIDI ports")
    group.add_argument(
        "--learn-file",
        type=Path,
        default=DEFAULT_LEARN_FILE,
        help=f"where learned mappings go (default {DEFAULT_LEARN_FILE})",
    )
    group.add_argument(
        "--source",
        action="append",
        default=[],
        metavar="MODULE:FUNCTION",
        help="also take events from the source this function makes (called with a SourceSetup; repeatable)",
    )


def source_factories(args: argparse.Namespace) -> list[Factory]:
    """The --source factories, imported; one that cannot be exits with one line (status 2)."""
    factories = []
    for spec in getattr(args, "source", []):
        try:
            factories.append(load_factory(spec))
        except ValueError as exc:
            print(f"performer play: --source {spec}: {exc}", file=sys.stderr)
            raise SystemExit(2) from None
    return factories


def build_inputs(
    args: argparse.Namespace,
    actions: dict[str, Callable] | None = None,
    latent_dim: int = 8,
    keyboard: Source | None = None,
    sources: list[Factory] | None = None,
) -> list[ControlHub]:
    """The input objects for the app loop, started. A bad option exits with its message; a mapping file that
    fails to load is reported and watched (see the module docstring). `sources`: the --source factories
    (source_factories(args) when not given). The hub adds its own actions (learn, learn_next, learn_prev) to
    `actions` where they are free."""
    if args.osc_port is not None and not 0 <= args.osc_port <= 65535:
        raise SystemExit(f"performer: --osc-port must be 0..65535, got {args.osc_port}")
    if not args.osc_retry > 0:
        raise SystemExit(f"performer: --osc-retry must be > 0 seconds, got {args.osc_retry:g}")
    if sources is None:
        sources = source_factories(args)
    try:
        feedback = [parse_host_port(text) for text in args.osc_feedback]
        hub = ControlHub(
            args.mapping,
            latent_dim=latent_dim,
            actions=actions,
            osc=not args.no_osc,
            osc_host=args.osc_host,
            osc_port=args.osc_port,
            osc_allow=args.osc_allow,
            osc_feedback=feedback,
            osc_retry=args.osc_retry,
            midi=not args.no_midi,
            midi_in=args.midi_in,
            learn_file=args.learn_file,
            strict_mappings=False,
            keyboard=keyboard,
            audio_in=getattr(args, "audio_in", None),
            audio_file=getattr(args, "audio_file", None),
            sources=sources,
        )
    except (MappingError, ValueError) as exc:
        raise SystemExit(f"performer: {exc}") from None
    provide(hub.actions, hub.own_actions())
    return [hub.start()]
