"""`performer learn`: map controls by moving them. For each target in turn, move the control (fader, knob,
encoder, button, OSC address, joystick axis) that should drive it; the entry is added to the mapping file.
Skip a target by waiting out its timeout; Ctrl-C stops (what was learned so far is already written)."""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

from performer.controls.events import parse_target
from performer.controls.hub import DEFAULT_LEARN_FILE, ControlHub
from performer.state import PerformanceState

log = logging.getLogger(__name__)


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("learn", help="write a mapping file by moving controls", description=__doc__)
    p.add_argument("--out", type=Path, default=DEFAULT_LEARN_FILE, help=f"mapping file (default {DEFAULT_LEARN_FILE})")
    p.add_argument("--targets", default="z1,z2,z3,z4,z5,z6,z7,z8",
                   help="comma-separated targets in order (z1..z8, parameters, actions such as random)")
    p.add_argument("--midi-in", action="append", default=[], metavar="NAME",
                   help="MIDI inputs to listen to (name substring; default all)")
    p.add_argument("--osc-port", type=int, default=9000, help="also learn OSC addresses sent here (0: off)")
    p.add_argument("--timeout", type=float, default=15.0, help="seconds to wait per target")
    return p


def run(args: argparse.Namespace) -> int:
    targets = [t.strip() for t in args.targets.split(",") if t.strip()]
    try:
        for target in targets:
            parse_target(target)
        if args.timeout <= 0:
            raise ValueError(f"--timeout must be > 0, got {args.timeout}")
    except ValueError as exc:
        print(f"error: {exc}")
        return 2
    hub = ControlHub(osc=args.osc_port > 0, osc_port=args.osc_port, midi_in=args.midi_in or ["all"],
                     learn_file=args.out)  # fmt: skip
    hub.start()
    midi_ok = hub.midi is not None and hub.midi.available
    if hub.osc is None and not midi_ok:
        print("error: neither MIDI nor OSC is available to learn from")
        hub.close()
        return 2
    state = PerformanceState()
    learned = 0
    try:
        for target in targets:
            hub.last_learned = None
            hub.start_learn(target)
            print(f"{target}: move a control now ({args.timeout:.0f} s)", flush=True)
            deadline = time.monotonic() + args.timeout
            last = time.monotonic()
            while hub.last_learned is None and time.monotonic() < deadline:
                now = time.monotonic()
                hub.update(state, now, now - last)
                last = now
                time.sleep(0.01)
            if hub.last_learned is None:
                hub.learner.cancel()
                print(f"{target}: skipped")
            else:
                learned += 1
                print(f"{target}: {hub.last_learned}")
    except KeyboardInterrupt:
        print("stopped")
    finally:
        hub.close()
    print(f"{learned} control(s) written to {args.out}" if learned else "nothing learned")
    return 0 if learned else 1
