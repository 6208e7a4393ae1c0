"""`performer learn`: map controls by moving them. For each target in turn, move the control (fader, knob,
encoder, button, OSC address, joystick axis) that should drive it; the entry is added to the mapping file.
Press Enter to skip a target (or wait out its timeout), q and Enter to stop; Ctrl-C stops too (what was
learned so far is already written)."""

from __future__ import annotations

import argparse
import logging
import queue
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from performer.state import PerformanceState

if TYPE_CHECKING:  # the controls are imported when the command runs
    from performer.controls.hub import ControlHub

log = logging.getLogger(__name__)

MAX_ANSWER = 256  # characters read per line of stdin: an answer is a word at most


def add_parser(subparsers) -> argparse.ArgumentParser:
    from performer.controls.hub import DEFAULT_LEARN_FILE

    p = subparsers.add_parser("learn", description=__doc__)
    p.add_argument("--out", type=Path, default=DEFAULT_LEARN_FILE, help=f"mapping file (default {DEFAULT_LEARN_FILE})")
    p.add_argument(
        "--targets",
        default="z1,z2,z3,z4,z5,z6,z7,z8",
        help="comma-separated targets in order (z1..z8, parameters, actions such as random)",
    )
    p.add_argument(
        "--midi-in",
        action="append",
        default=[],
        metavar="NAME",
        help="MIDI inputs to listen to (name substring; default all)",
    )
    p.add_argument("--osc-port", type=int, default=9000, help="also learn OSC addresses sent here (0: off)")
    p.add_argument("--timeout", type=float, default=15.0, help="seconds to wait per target")
    return p


def read_answers(stream, answers: queue.Queue) -> None:
    """Lines typed at the prompt, onto `answers` (a thread: the learn loop never waits for the keyboard).
    End of input (stdin from /dev/null or a finished pipe) only ends the answers: targets still time out."""
    try:
        for line in iter(lambda: stream.readline(MAX_ANSWER), ""):
            answers.put(line.strip().lower())
    except (OSError, ValueError) as exc:  # a closed or unreadable stdin: learn by timeout alone
        log.debug("stdin: %s", exc)


def listening_line(hub: ControlHub) -> str:
    osc = "OSC {}:{}".format(*hub.osc.address) if hub.osc is not None else "OSC off"
    if hub.source("osc") is not None and hub.source("osc").error_lines():
        osc = "OSC not yet (tried again every few seconds)"
    if hub.midi is None or not hub.midi.available:
        return f"listening: {osc}, MIDI unavailable"
    return f"listening: {osc}, MIDI {', '.join(hub.midi.inputs) or 'no port yet'}"


def run(args: argparse.Namespace) -> int:
    from performer.controls.hub import ControlHub
    from performer.targets import parse_target

    targets = [t.strip() for t in args.targets.split(",") if t.strip()]
    try:
        for target in targets:
            parse_target(target)
        if args.timeout <= 0:
            raise ValueError(f"--timeout must be > 0, got {args.timeout}")
        if not 0 <= args.osc_port <= 65535:
            raise ValueError(f"--osc-port must be 0..65535, got {args.osc_port}")
    except ValueError as exc:
        print(f"error: {exc}")
        return 2
    hub = ControlHub(
        osc=args.osc_port > 0, osc_port=args.osc_port, midi_in=args.midi_in or ["all"], learn_file=args.out
    )
    hub.start()
    for line in hub.error_lines():
        print(f"warning: {line}")
    midi_ok = hub.midi is not None and hub.midi.available
    if hub.osc is None and not midi_ok:
        print("error: neither MIDI nor OSC is available to learn from")
        hub.close()
        return 2
    print(listening_line(hub), flush=True)
    answers: queue.Queue = queue.Queue()
    threading.Thread(target=read_answers, args=(sys.stdin, answers), name="learn-stdin", daemon=True).start()
    try:
        learned = learn_targets(hub, targets, args.timeout, answers)
    finally:
        hub.close()
    print(f"{learned} control(s) written to {args.out}" if learned else "nothing learned")
    return 0 if learned else 1


def learn_targets(hub: ControlHub, targets: list[str], timeout: float, answers: queue.Queue) -> int:
    """Each target in turn until learned, skipped (Enter) or timed out; q stops. The number learned."""
    state = PerformanceState()
    learned = 0
    try:
        for target in targets:
            while not answers.empty():  # an Enter pressed during the previous target does not skip this one
                answers.get_nowait()
            hub.learning.last_learned = None
            hub.learning.start(target)
            print(f"{target}: move a control now ({timeout:g} s; Enter skips, q stops)", flush=True)
            last = time.monotonic()
            deadline, answer = last + timeout, None
            while hub.learning.last_learned is None and answer is None and time.monotonic() < deadline:
                now = time.monotonic()
                hub.update(state, now, now - last)
                last = now
                try:
                    answer = answers.get(timeout=0.01)
                except queue.Empty:
                    pass
            entry = hub.learning.last_learned
            if entry is None:
                hub.learning.cancel()
                print(f"{target}: skipped", flush=True)
                if answer == "q":
                    print("stopped")
                    break
            elif hub.learning.problem:
                print(f"{target}: {entry} not written: {hub.learning.problem}", flush=True)
            else:
                learned += 1
                print(f"{target}: {entry}", flush=True)
    except KeyboardInterrupt:
        print("stopped")
    return learned
