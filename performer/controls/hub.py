"""ControlHub: every controller, one way: message -> event -> mapping -> state. Never touches GL.

The app loop calls `hub.update(state, now, dt)` once per frame before drawing. In that call the hub
  1. reloads mapping files saved since the last check (a broken file keeps the previous mapping running and
     its error in `hub.errors`),
  2. notices values changed by someone else since the last frame (a preset, a walk): feedback for them, and
     faders under soft takeover let go,
  3. drains OSC (coalesced per address), MIDI and key events and polls joysticks, routing each event to the
     canonical /performer address space and the mappings,
  4. steps smoothing and velocity-mode controls by dt,
  5. sends feedback (OSC targets, MIDI outputs) for changed values, never back to the family that made them.
Actions are called by name from `hub.actions`, the app's dict of callables. Counters are in `hub.stats`.
Learn (learn.py's LearnMode) is offered every OSC, MIDI and joystick event first, mapped or not.

The pieces live next door: bindings.py (one compiled mapping entry), feedback.py (change tracking and
feedback), osc_canonical.py (the /performer address space), devices.py (opening OSC, MIDI and joysticks, and
what failed to), learn.py, cli_options.py (`performer play` options).
"""

from __future__ import annotations

import logging
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from performer.controls.activity import Activity
from performer.controls.bindings import Binding
from performer.controls.devices import DEFAULT_OSC_RETRY, Devices
from performer.controls.events import SOURCE_KINDS, ControlEvent, Target, check_number, parse_target
from performer.controls.feedback import FeedbackRouter
from performer.controls.joystick import JoystickInput
from performer.controls.learn import LearnMode
from performer.controls.mapping_files import MappingFiles
from performer.controls.mapping_schema import MappingFile
from performer.controls.midi_input import MidiInput
from performer.controls.osc_canonical import apply_canonical
from performer.controls.osc_decode import parse_message
from performer.controls.osc_feedback import OscFeedback
from performer.controls.osc_pattern import AddressTable, PatternBudgetSpent, has_wildcard
from performer.controls.osc_server import OscServer, canonical_addresses
from performer.state import PARAMS, PerformanceState

log = logging.getLogger(__name__)

MIDI_KINDS = frozenset({"cc", "cc14", "note", "pitchbend", "program"})
JOYSTICK_KINDS = frozenset({"axis", "button", "hat"})
DEFAULT_LEARN_FILE = Path("mappings/learned.yaml")


class ControlHub:
    """All inputs of a performance. See the module docstring for what `update` does each frame."""

    def __init__(
        self,
        mapping_paths: Iterable[str | Path] = (),
        *,
        latent_dim: int = 8,
        actions: dict[str, Callable] | None = None,
        osc: bool = True,
        osc_host: str | None = None,
        osc_port: int | None = None,
        osc_allow: Iterable[str] = (),
        osc_feedback: Iterable[tuple[str, int]] = (),
        osc_retry: float = DEFAULT_OSC_RETRY,
        midi: bool = True,
        midi_in: Iterable[str] = (),
        midi_backend=None,
        joystick_reader=None,
        learn_file: str | Path | None = None,
        reload_interval: float = 0.5,
        feedback_interval: float = 1.0 / 30.0,
        strict_mappings: bool = True,
    ) -> None:
        """strict_mappings=False: a mapping file that fails to load is watched and shown in `error_lines()`
        until it loads, instead of raising MappingError (play starts with the others)."""
        self.latent_dim = latent_dim
        self.actions: dict[str, Callable] = actions if actions is not None else {}
        self.stats: Counter = Counter()
        self.errors: dict[str, str] = {}
        self.paths = [Path(p) for p in mapping_paths]
        self.learn_file = Path(learn_file) if learn_file else None
        self.reload_interval = reload_interval
        self.learning = LearnMode(latent_dim, self.learn_file, on_written=self._learn_file_written)
        self.devices = Devices(osc=osc, osc_host=osc_host, osc_port=osc_port, osc_allow=osc_allow,
                               osc_retry=osc_retry, midi=midi, midi_in=midi_in, midi_backend=midi_backend,
                               joystick_reader=joystick_reader)  # fmt: skip
        self._cli_feedback = list(osc_feedback)
        self.osc_out = OscFeedback()

        self.files = MappingFiles(latent_dim, self.errors, self.stats)
        self.bindings: list[Binding] = []
        self._index: dict[tuple[str, object], list[Binding]] = {}
        self._osc_patterns: list[Binding] = []
        self._canonical = canonical_addresses(latent_dim)
        self._known_addresses: list[str] = list(self._canonical)
        self._address_table = AddressTable(self._known_addresses)  # what a received pattern can reach
        self._keys: deque[ControlEvent] = deque(maxlen=256)
        self._origin: dict[str, str] = {}
        self._names = [f"z{i + 1}" for i in range(latent_dim)] + [p.name for p in PARAMS]
        self._targets = [parse_target(name, latent_dim) for name in self._names]
        self.feedback = FeedbackRouter(self._names, self._targets, self.osc_out, feedback_interval, self.stats)
        self._next_reload = float("-inf")
        self._missing_actions: set[str] = set()
        self.activity = Activity()

        for path in self.paths:
            if strict_mappings:
                self.files.load(path)  # MappingError at startup: the caller reports it
            else:
                self.files.load_or_note(path)
        if self.learn_file is not None and self.learn_file.exists() and self.learn_file not in self.files:
            self.files.load_or_note(self.learn_file)
        self._rebuild()

    # ---- setup ------------------------------------------------------------------------------------------
    @property
    def mappings(self) -> list[MappingFile]:
        return self.files.mappings

    def start(self) -> ControlHub:
        """Open the OSC server and the devices the mappings need. Failures are logged and shown in
        `error_lines()` (an OSC port is tried again every few seconds), never raised."""
        self.devices.start(self.mappings, {b.family for b in self.bindings})
        return self

    @property
    def osc(self) -> OscServer | None:
        return self.devices.osc

    @property
    def midi(self) -> MidiInput | None:
        return self.devices.midi

    @midi.setter
    def midi(self, midi: MidiInput | None) -> None:  # soak plugs in its own virtual board
        self.devices.midi = midi

    @property
    def joystick(self) -> JoystickInput | None:
        return self.devices.joystick

    def close(self) -> None:
        self.devices.close()
        self.osc_out.close()

    # ---- mapping files ----------------------------------------------------------------------------------
    def check_reload(self) -> bool:
        """Reload the mapping files whose modification time or size changed; True if bindings changed."""
        changed = self.files.reload_changed()
        if changed:
            self._rebuild()
            self.devices.configure(self.mappings, {b.family for b in self.bindings})
        return changed

    def _rebuild(self) -> None:
        bindings = []
        for path, mapping in self.files.items():
            if mapping is None:
                continue
            bindings += [Binding(c, mapping.defaults, self.latent_dim, str(path)) for c in mapping.controls]
        index: dict[tuple[str, object], list[Binding]] = {}
        for binding in bindings:
            for key in binding.keys():
                index.setdefault(key, []).append(binding)
        self.bindings, self._index = bindings, index
        self._osc_patterns = [b for b in bindings if b.pattern is not None]
        literal = [b.control.osc for b in bindings if b.kind == "osc" and b.pattern is None]
        self._known_addresses = list(dict.fromkeys(list(self._canonical) + literal))
        self._address_table = AddressTable(self._known_addresses)
        targets = list(self._cli_feedback) + [(t.host, t.port) for m in self.mappings for t in m.osc.feedback]
        self.osc_out.set_targets(targets)

    # ---- the frame --------------------------------------------------------------------------------------
    def update(self, state: PerformanceState, now: float, dt: float) -> None:
        """Once per frame, before drawing. Never raises: problems are logged and counted."""
        try:
            self._update(state, now, dt)
        except Exception:
            self.stats["update_errors"] += 1
            log.exception("controls update failed (the frame goes on)")

    def _update(self, state: PerformanceState, now: float, dt: float) -> None:
        if now >= self._next_reload:
            self._next_reload = now + self.reload_interval
            self.check_reload()
        self.devices.poll(now)
        self.learning.tick(now)
        before = self.feedback.begin_frame(state)
        for binding in self.bindings:
            binding.notice_external(state)
        self._origin.clear()

        if self.osc is not None:
            for _address, datagrams, sender in self.osc.drain():
                for dgram in datagrams:
                    self._osc_datagram(dgram, sender, state, now)
        if self.midi is not None:
            for event in self.midi.drain():
                self.activity.note("midi", event.label())
                self.handle_event(event, state)
        if self.joystick is not None:
            for event in self.joystick.poll(now):
                self.handle_event(event, state)
        while self._keys:
            self.handle_event(self._keys.popleft(), state)
        self.activity.tick(now)  # after draining: what arrived before `now` counts in the window ending now
        for binding in self.bindings:
            binding.tick(self, state, dt)
        self.feedback.end_frame(state, before, self._origin, now, self.bindings, self.midi)

    def key(self, name: str, pressed: bool, now: float | None = None) -> None:
        """A key went down or up (the app's key callback): name as in mappings/keyboard.yaml."""
        self._keys.append(ControlEvent("key", name, 1.0 if pressed else 0.0, None, "keyboard",
                                       time.monotonic() if now is None else now))  # fmt: skip

    # ---- routing ----------------------------------------------------------------------------------------
    def handle_event(self, event: ControlEvent, state: PerformanceState) -> None:
        """Route one event to learn (when armed) or to every binding that listens to it."""
        try:
            check_number(event.value)
        except ValueError:
            self.stats["bad_values"] += 1
            return
        if self.learning.offer(event):
            return
        bindings = self._index.get((event.kind, event.number), [])
        if event.kind == "osc" and self._osc_patterns:
            bindings = bindings + [b for b in self._osc_patterns if b.pattern.matches(str(event.number))]
        handled = False
        for binding in bindings:
            if binding.accepts(event):
                handled = True
                try:
                    binding.handle(event, self, state)
                except (ValueError, TypeError, OverflowError):
                    self.stats["bad_values"] += 1  # counted, not logged: a stream of them would flood the log
        if not handled:
            self.stats[f"{SOURCE_KINDS[event.kind].family if event.kind in SOURCE_KINDS else 'other'}_unmapped"] += 1

    def _osc_datagram(self, dgram: bytes, sender: str, state: PerformanceState, now: float) -> None:
        try:
            address, args = parse_message(dgram)
        except ValueError:
            self.stats["osc_malformed"] += 1
            return
        self.handle_osc(address, args, state, now, sender)

    def handle_osc(self, address: str, args: list, state: PerformanceState, now: float = 0.0,
                   sender: str = "") -> None:  # fmt: skip
        """One OSC message: the canonical address space, then mapped addresses; wildcards expand against
        both. Bad arguments are dropped and counted."""
        self.stats["osc_messages"] += 1
        self.activity.note("osc", f"{address} from {sender}" if sender else address)
        if self.learning.armed and self._offer_osc_to_learn(address, args, now, sender):
            return
        if has_wildcard(address):
            try:
                matches = self._address_table.expand(address)  # linear in the pattern, at most MAX_PATTERN long
            except PatternBudgetSpent:  # a flood of patterns: the rest of this window's are dropped
                self.stats["osc_pattern_budget"] += 1
                return
            except ValueError:
                self.stats["osc_bad_pattern"] += 1
                return
            if not matches:
                self.stats["osc_unknown_address"] += 1
            for match in matches:
                self._osc_one(match, args, state, now, sender)
            return
        self._osc_one(address, args, state, now, sender)

    def _offer_osc_to_learn(self, address: str, args: list, now: float, sender: str) -> bool:
        """Learn sees each message as it came, before any address is found unknown (learning one is the point)."""
        try:
            value = check_number(args[0]) if args else 1.0
        except ValueError:
            return False  # not a number: nothing to learn from, routed (and counted) as usual
        return self.learning.offer(ControlEvent("osc", address, value, None, sender, now))

    def _osc_one(self, address: str, args: list, state: PerformanceState, now: float, sender: str) -> None:
        entry = self._canonical.get(address)
        mapped = ("osc", address) in self._index or any(b.pattern.matches(address) for b in self._osc_patterns)
        if entry is None and not mapped:
            self.stats["osc_unknown_address"] += 1
            return
        try:
            if entry is not None:
                apply_canonical(entry, args, self.latent_dim, self._targets,
                                lambda target, value: self.write(state, target, value, "osc"), self.fire)  # fmt: skip
            if mapped:
                value = check_number(args[0]) if args else 1.0
                self.handle_event(ControlEvent("osc", address, value, None, sender, now), state)
        except (ValueError, TypeError, IndexError):
            self.stats["osc_bad_args"] += 1  # counted, never logged per message (junk would flood the log)

    # ---- writes, actions --------------------------------------------------------------------------------
    def write(self, state: PerformanceState, target: Target, value: float, family: str) -> float:
        """Write a value target; remembers which family wrote it (for feedback)."""
        if target.kind == "latent":
            stored = state.set_latent(target.index, value)
            stored = float(np.float32(stored))
        else:
            stored = state.set(target.name, value)
        self._origin[target.name] = family
        self.stats["writes"] += 1
        return stored

    def fire(self, name: str, *args) -> None:
        """Call the app's action `name`; a missing or failing action is logged once and counted."""
        function = self.actions.get(name)
        if function is None:
            self.stats["actions_missing"] += 1
            if name not in self._missing_actions:
                self._missing_actions.add(name)
                log.warning("no action %r in this app (known: %s)", name, ", ".join(sorted(self.actions)))
            return
        self.stats["actions"] += 1
        try:
            function(*args)
        except Exception:
            self.stats["action_errors"] += 1
            log.exception("action %s failed", name)

    # ---- learn (learn.py) -------------------------------------------------------------------------------
    def own_actions(self) -> dict[str, Callable]:
        """learn (arm / cancel), learn_next, learn_prev: for the app's actions (the L and Page keys)."""
        return self.learning.actions()

    def _learn_file_written(self, path: Path) -> None:
        self.files.watch(path)
        self._next_reload = float("-inf")  # picked up on the next frame

    # ---- status -----------------------------------------------------------------------------------------
    @property
    def tempo(self) -> float | None:
        """Beats per minute from MIDI clock, or None."""
        return self.midi.tempo.bpm if self.midi is not None else None

    def all_stats(self) -> dict[str, int]:
        """The hub's counters plus those of the OSC server (osc_*), MIDI (midi_*) and feedback."""
        out = Counter(self.stats)  # the same name from two places (osc_malformed: thread and parser) adds up
        if self.osc is not None:
            out.update({f"osc_{k}": v for k, v in self.osc.stats.items()})
            out["osc_pending_max"] = self.osc.max_pending
        if self.midi is not None:
            out.update({f"midi_{k}": v for k, v in self.midi.stats.items()})
        out.update({f"feedback_{k}": v for k, v in self.osc_out.stats.items()})
        return dict(out)

    def error_lines(self) -> list[str]:
        """What is not working, until it works: mapping files that failed to load (file:line: key and why; the
        previous mapping keeps running), an OSC port or a MIDI port asked for by name that could not be
        opened, a learn file that could not be written."""
        lines = [f"mapping error: {e.splitlines()[0]}" for e in self.errors.values()]
        return lines + self.devices.problem_lines() + ([self.learning.problem] if self.learning.problem else [])

    def status_lines(self) -> list[str]:
        """Short lines for a HUD: what OSC and MIDI sent lately, learn state."""
        stats = self.all_stats()
        lines = []
        if self.osc is not None:
            host, port = self.osc.address
            lines.append(self.activity.line("osc", f"{host}:{port}", stats))
        if self.midi is not None and self.midi.available:
            lines.append(self.activity.line("midi", ", ".join(self.midi.inputs) or "no port open", stats))
        return lines + self.learning.status_lines()
