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

For `performer play`: `add_arguments(parser)` adds the options and `build_inputs(args, actions)` returns
the list of input objects (one hub).
"""

from __future__ import annotations

import argparse
import logging
import os
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from performer.controls.events import SOURCE_KINDS, ControlEvent, Target, all_targets, check_number, parse_target
from performer.controls.joystick import TRIGGERS, JoystickInput
from performer.controls.learn import Learner, write_learned
from performer.controls.mapping_schema import Control, MappingError, MappingFile, Shaping, load_mapping
from performer.controls.midi_input import MidiInput
from performer.controls.osc_feedback import OscFeedback, parse_host_port
from performer.controls.osc_server import (
    DEFAULT_HOST,
    DEFAULT_PORT,
    OscServer,
    canonical_addresses,
    has_wildcard,
    osc_pattern_regex,
    parse_message,
)
from performer.controls.transforms import Fourteen, Shape, Smoother, SoftTakeover, decode_relative, normalise
from performer.palettes import PALETTE_NAMES
from performer.state import PARAMS, PerformanceState

log = logging.getLogger(__name__)

MIDI_KINDS = frozenset({"cc", "cc14", "note", "pitchbend", "program"})
JOYSTICK_KINDS = frozenset({"axis", "button", "hat"})
DEFAULT_LEARN_FILE = Path("mappings/learned.yaml")


def read_target(state: PerformanceState, target: Target) -> float:
    if target.kind == "latent":
        return float(state.z[target.index])
    return float(state.params[target.name])


class Binding:
    """One mapping entry, compiled: matches events and turns them into target writes or action calls."""

    def __init__(self, control: Control, defaults: Shaping | None, latent_dim: int, origin: str = "") -> None:
        self.control = control
        self.origin = origin
        self.target = parse_target(control.to, latent_dim)
        self.kind = control.source
        self.family = SOURCE_KINDS[self.kind].family
        option = lambda name: control.option(name, defaults)  # noqa: E731
        low, high = control.input_range
        if self.target.kind == "action":
            out = control.out or [low, high]
        else:
            out = control.out or list(self.target.default_out)
        self.shape = Shape(low, high, out[0], out[1], option("invert"), option("curve"),
                           option("curve_amount"), option("deadzone"))  # fmt: skip
        self.mode = option("mode")
        self.feedback = option("feedback") and self.mode == "absolute" and control.relative is None
        threshold = option("threshold")
        self.threshold = SOURCE_KINDS[self.kind].threshold if threshold is None else threshold
        self.takeover = (
            SoftTakeover(option("pickup_window"), option("fast_move"), option("fast_move_time"))
            if option("takeover") == "pickup" and control.relative is None and self.mode == "absolute"
            else None
        )
        smoothing = option("smoothing")
        self.smoother = Smoother(smoothing) if smoothing > 0 else None
        self.fourteen = Fourteen() if self.kind == "cc14" else None
        span = out[1] - out[0]
        self.step = control.step if control.step is not None else abs(span) / 128.0
        self.rate = control.rate if control.rate is not None else span / 2.0  # full span in 2 s
        self.bipolar = SOURCE_KINDS[self.kind].bipolar and control.axis not in TRIGGERS  # triggers rest at -1
        self.held = 0.0  # velocity mode: the current deflection
        self.active = False  # trigger: above the threshold
        self.last_written: float | None = None
        self.regex = osc_pattern_regex(control.osc) if control.osc and has_wildcard(control.osc) else None

    # ---- matching ---------------------------------------------------------------------------------------
    def keys(self) -> list[tuple[str, object]]:
        """Index keys (event kind, number) this binding listens to."""
        c = self.control
        if self.kind == "cc14":
            return [("cc", c.cc14), ("cc", c.cc14 + 32)]
        if self.kind == "osc":
            return [] if self.regex is not None else [("osc", c.osc)]
        return [(self.kind, c.number)]

    def accepts(self, event: ControlEvent) -> bool:
        c = self.control
        if c.channel is not None and event.channel != c.channel:
            return False
        if c.joystick is not None and event.channel != c.joystick:
            return False
        if c.device is not None and c.device.lower() not in event.device.lower():
            return False
        return True

    # ---- events -----------------------------------------------------------------------------------------
    def handle(self, event: ControlEvent, hub: ControlHub, state: PerformanceState) -> None:
        raw = event.value
        if self.fourteen is not None:
            raw = float(self.fourteen.feed(event.number == self.control.cc14 + 32, int(raw)))
        if self.target.kind == "action":
            self._trigger(raw, event, hub)
            return
        if self.mode == "velocity":
            u = self.shape.unit(raw)
            self.held = 2.0 * u - 1.0 if self.bipolar else u
            return
        current = read_target(state, self.target)
        if self.control.relative is not None:
            ticks = decode_relative(int(raw), self.control.relative)
            if self.shape.invert:
                ticks = -ticks
            base = self.smoother.goal if self.smoother is not None and self.smoother.goal is not None else current
            low, high = sorted((self.shape.out_low, self.shape.out_high))
            self._set_goal(min(max(base + ticks * self.step, low), high), current, hub, state)
            return
        goal = self.shape.forward(raw)
        if self.takeover is not None:
            position = normalise(raw, self.shape.low, self.shape.high)
            span = self.shape.out_high - self.shape.out_low
            if not self.takeover.accept(position, goal, current, span, event.time):
                hub.stats["takeover_waiting"] += 1
                return
        self._set_goal(goal, current, hub, state)

    def _trigger(self, raw: float, event: ControlEvent, hub: ControlHub) -> None:
        u = normalise(raw, self.shape.low, self.shape.high)
        if self.shape.invert:
            u = 1.0 - u
        above = u >= self.threshold if self.kind != "program" else True
        fire = above and (not self.active or self.kind == "program")
        self.active = above and self.kind != "program"
        if not fire:
            return
        target = self.target
        if target.name == "preset" and target.argument is None:
            index = int(raw) if self.control.out is None else int(round(self.shape.forward(raw)))
            hub.fire("preset", index)
        elif target.argument is not None:
            hub.fire(target.name, target.argument)
        else:
            hub.fire(target.name)

    def _set_goal(self, goal: float, current: float, hub: ControlHub, state: PerformanceState) -> None:
        if self.smoother is not None:
            self.smoother.set_goal(goal, current)
        else:
            self.last_written = hub.write(state, self.target, goal, self.family)

    # ---- per frame --------------------------------------------------------------------------------------
    def notice_external(self, state: PerformanceState) -> None:
        """If someone else changed the target since this binding wrote it, let go / follow."""
        if self.last_written is None:
            return
        current = read_target(state, self.target)
        if abs(current - self.last_written) > 1e-5 * max(1.0, abs(current)):
            self.last_written = None
            if self.takeover is not None:
                self.takeover.release()
            if self.smoother is not None:
                self.smoother.follow(current)

    def tick(self, hub: ControlHub, state: PerformanceState, dt: float) -> None:
        if self.mode == "velocity":
            if self.held != 0.0 and dt > 0.0:
                low, high = sorted((self.shape.out_low, self.shape.out_high))
                current = read_target(state, self.target)
                value = min(max(current + self.held * self.rate * dt, low), high)
                self.last_written = hub.write(state, self.target, value, self.family)
            return
        if self.smoother is not None:
            value = self.smoother.step(dt)
            if value is not None:
                self.last_written = hub.write(state, self.target, value, self.family)


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
        midi: bool = True,
        midi_in: Iterable[str] = (),
        midi_backend=None,
        joystick_reader=None,
        learn_file: str | Path | None = None,
        reload_interval: float = 0.5,
        feedback_interval: float = 1.0 / 30.0,
    ) -> None:
        self.latent_dim = latent_dim
        self.actions: dict[str, Callable] = actions if actions is not None else {}
        self.stats: Counter = Counter()
        self.errors: dict[str, str] = {}
        self.paths = [Path(p) for p in mapping_paths]
        self.learn_file = Path(learn_file) if learn_file else None
        self.reload_interval = reload_interval
        self.feedback_interval = feedback_interval
        self.learner = Learner(latent_dim=latent_dim)
        self.learn_targets = all_targets(latent_dim)
        self.learn_index = 0
        self.last_learned: dict | None = None

        self._osc_enabled, self._osc_host, self._osc_port = osc, osc_host, osc_port
        self._cli_allow, self._cli_feedback = list(osc_allow), list(osc_feedback)
        self._midi_enabled, self._cli_midi = midi, list(midi_in)
        self._midi_backend, self._joystick_reader = midi_backend, joystick_reader
        self.osc: OscServer | None = None
        self.midi: MidiInput | None = None
        self.joystick: JoystickInput | None = None
        self.osc_out = OscFeedback()

        self._files: dict[Path, tuple[tuple | None, MappingFile | None]] = {}
        self.bindings: list[Binding] = []
        self._index: dict[tuple[str, object], list[Binding]] = {}
        self._osc_patterns: list[Binding] = []
        self._canonical = canonical_addresses(latent_dim)
        self._known_addresses: list[str] = list(self._canonical)
        self._keys: deque[ControlEvent] = deque(maxlen=256)
        self._origin: dict[str, str] = {}
        self._names = [f"z{i + 1}" for i in range(latent_dim)] + [p.name for p in PARAMS]
        self._targets = [parse_target(name, latent_dim) for name in self._names]
        self._last_vector: np.ndarray | None = None
        self._feedback_pending: dict[int, set[str]] = {}
        self._next_feedback = float("-inf")
        self._next_reload = float("-inf")
        self._missing_actions: set[str] = set()

        for path in self.paths:
            mapping = load_mapping(path, latent_dim)  # MappingError at startup: the caller reports it
            self._files[path] = (self._stamp(path), mapping)
        if self.learn_file is not None and self.learn_file.exists() and self.learn_file not in self._files:
            self._add_learn_file()
        self._rebuild()

    # ---- setup ------------------------------------------------------------------------------------------
    @property
    def mappings(self) -> list[MappingFile]:
        return [m for _, m in self._files.values() if m is not None]

    def start(self) -> ControlHub:
        """Open the OSC server and the devices the mappings need. Failures are logged, never raised."""
        if self._osc_enabled and self.osc is None:
            host = self._osc_host or next((m.osc.host for m in self.mappings if m.osc.host), DEFAULT_HOST)
            port = self._osc_port if self._osc_port is not None else next(
                (m.osc.port for m in self.mappings if m.osc.port), DEFAULT_PORT)  # fmt: skip
            server = OscServer(host, port, self._allow_list())
            try:
                self.osc = server.start()
            except OSError as exc:
                log.error("OSC server cannot listen on %s:%d (%s); continuing without OSC", host, port, exc)
            else:
                if host not in ("127.0.0.1", "::1", "localhost") and not server.allow:
                    log.warning("OSC is open to the network on %s:%d with no allow-list", host, port)
        self._ensure_devices()
        return self

    def _allow_list(self) -> list[str]:
        return self._cli_allow + [a for m in self.mappings for a in m.osc.allow]

    def _ensure_devices(self) -> None:
        patterns = self._cli_midi + [p for m in self.mappings for p in m.midi.inputs]
        outputs = [p for m in self.mappings for p in m.midi.outputs]
        wants_midi = any(b.family == "midi" for b in self.bindings)
        if wants_midi and not patterns:
            patterns = ["all"]
        if self._midi_enabled and patterns:
            if self.midi is None:
                self.midi = MidiInput(patterns, outputs, backend=self._midi_backend).start()
            else:
                self.midi.patterns, self.midi.output_patterns = tuple(patterns), tuple(outputs)
        if self.joystick is None and (
            self._joystick_reader is not None or any(b.family == "joystick" for b in self.bindings)
        ):
            self.joystick = JoystickInput(self._joystick_reader)

    def close(self) -> None:
        if self.osc is not None:
            self.osc.close()
        if self.midi is not None:
            self.midi.close()
        self.osc_out.close()

    # ---- mapping files ----------------------------------------------------------------------------------
    @staticmethod
    def _stamp(path: Path) -> tuple | None:
        try:
            st = os.stat(path)
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size)

    def _add_learn_file(self) -> None:
        try:
            mapping = load_mapping(self.learn_file, self.latent_dim)
            self._files[self.learn_file] = (self._stamp(self.learn_file), mapping)
        except MappingError as exc:
            self._files[self.learn_file] = (self._stamp(self.learn_file), None)
            self.errors[str(self.learn_file)] = str(exc)
            log.error("%s", exc)

    def check_reload(self) -> bool:
        """Reload the mapping files whose modification time or size changed; True if bindings changed."""
        changed = False
        for path, (stamp, previous) in list(self._files.items()):
            now_stamp = self._stamp(path)
            if now_stamp == stamp:
                continue
            try:
                mapping = load_mapping(path, self.latent_dim)
            except MappingError as exc:
                message = str(exc)
                if self.errors.get(str(path)) != message:
                    log.error("%s\n(keeping the previous mapping of %s)", message, path.name)
                self.errors[str(path)] = message
                self.stats["mapping_errors"] += 1
                self._files[path] = (now_stamp, previous)
                continue
            self.errors.pop(str(path), None)
            self._files[path] = (now_stamp, mapping)
            log.info("reloaded %s (%d controls)", path, len(mapping.controls))
            self.stats["mapping_reloads"] += 1
            changed = True
        if changed:
            self._rebuild()
            if self.osc is not None:
                self.osc.allow = frozenset(self._allow_list())
            self._ensure_devices()
        return changed

    def _rebuild(self) -> None:
        bindings = []
        for path, (_, mapping) in self._files.items():
            if mapping is None:
                continue
            bindings += [Binding(c, mapping.defaults, self.latent_dim, str(path)) for c in mapping.controls]
        index: dict[tuple[str, object], list[Binding]] = {}
        for binding in bindings:
            for key in binding.keys():
                index.setdefault(key, []).append(binding)
        self.bindings, self._index = bindings, index
        self._osc_patterns = [b for b in bindings if b.regex is not None]
        literal = [b.control.osc for b in bindings if b.kind == "osc" and b.regex is None]
        self._known_addresses = list(dict.fromkeys(list(self._canonical) + literal))
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
        before = self._vector(state)
        if self._last_vector is not None:
            for i in np.flatnonzero(before != self._last_vector):
                self._feedback_pending[int(i)] = set()  # changed by someone else: everyone hears it
        for binding in self.bindings:
            binding.notice_external(state)
        self._origin.clear()

        if self.osc is not None:
            for _address, datagrams, sender in self.osc.drain():
                for dgram in datagrams:
                    self._osc_datagram(dgram, sender, state, now)
        if self.midi is not None:
            for event in self.midi.drain():
                self.handle_event(event, state)
        if self.joystick is not None:
            for event in self.joystick.poll(now):
                self.handle_event(event, state)
        while self._keys:
            self.handle_event(self._keys.popleft(), state)
        for binding in self.bindings:
            binding.tick(self, state, dt)

        after = self._vector(state)
        for i in np.flatnonzero(after != before):
            family = self._origin.get(self._names[int(i)], "")
            families = self._feedback_pending.get(int(i))
            if families is None:
                self._feedback_pending[int(i)] = {family}
            elif families:  # an empty set means an outside change: everyone hears it
                families.add(family)
        self._last_vector = after
        if self._feedback_pending and now >= self._next_feedback:
            self._next_feedback = now + self.feedback_interval
            self._send_feedback(state)

    def _vector(self, state: PerformanceState) -> np.ndarray:
        return np.concatenate([state.z.astype(np.float64), [state.params[p.name] for p in PARAMS]])

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
        if self.learner.armed and event.kind != "key":
            entry = self.learner.feed(event)
            if entry is not None:
                self._learned(entry)
            return
        bindings = self._index.get((event.kind, event.number), [])
        if event.kind == "osc" and self._osc_patterns:
            bindings = bindings + [b for b in self._osc_patterns if b.regex.match(str(event.number))]
        handled = False
        for binding in bindings:
            if binding.accepts(event):
                handled = True
                try:
                    binding.handle(event, self, state)
                except (ValueError, TypeError, OverflowError) as exc:
                    self.stats["bad_values"] += 1
                    log.debug("dropped %s: %s", event, exc)
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
        if has_wildcard(address):
            try:
                regex = osc_pattern_regex(address)
            except ValueError:
                self.stats["osc_bad_pattern"] += 1
                return
            matches = [a for a in self._known_addresses if regex.match(a)]
            if not matches:
                self.stats["osc_unknown_address"] += 1
            for match in matches:
                self._osc_one(match, args, state, now, sender)
            return
        self._osc_one(address, args, state, now, sender)

    def _osc_one(self, address: str, args: list, state: PerformanceState, now: float, sender: str) -> None:
        entry = self._canonical.get(address)
        mapped = ("osc", address) in self._index or any(b.regex.match(address) for b in self._osc_patterns)
        if entry is None and not mapped:
            self.stats["osc_unknown_address"] += 1
            return
        try:
            if entry is not None:
                self._canonical_message(entry, args, state)
            if mapped:
                value = check_number(args[0]) if args else 1.0
                self.handle_event(ControlEvent("osc", address, value, None, sender, now), state)
        except (ValueError, TypeError, IndexError) as exc:
            self.stats["osc_bad_args"] += 1
            log.debug("dropped OSC %s %r: %s", address, args, exc)

    def _canonical_message(self, entry: tuple[str, object], args: list, state: PerformanceState) -> None:
        kind, argument = entry
        if kind == "latent":
            if len(args) != 1:
                raise ValueError(f"expected 1 number, got {len(args)} arguments")
            self.write(state, self._targets[argument], check_number(args[0]), "osc")
        elif kind == "z":
            if len(args) != self.latent_dim:
                raise ValueError(f"expected {self.latent_dim} numbers, got {len(args)}")
            values = [check_number(a) for a in args]  # all or nothing
            for i, value in enumerate(values):
                self.write(state, self._targets[i], value, "osc")
        elif kind == "param":
            if len(args) != 1:
                raise ValueError(f"expected 1 argument, got {len(args)}")
            value = args[0]
            if argument == "palette" and isinstance(value, str):
                if value not in PALETTE_NAMES:
                    raise ValueError(f"unknown palette {value!r}")
                value = PALETTE_NAMES.index(value)
            self.write(state, parse_target(argument, self.latent_dim), check_number(value), "osc")
        elif kind == "preset":
            if len(args) != 1:
                raise ValueError("expected a preset name or index")
            value = args[0]
            if isinstance(value, str):
                if not value or len(value) > 256:
                    raise ValueError("bad preset name")
                self.fire("preset", value)
            else:
                number = check_number(value)
                if number != int(number) or number < 0:
                    raise ValueError(f"a preset index is a whole number >= 0, got {number}")
                self.fire("preset", int(number))
        elif kind == "walk":
            if len(args) != 1 or not isinstance(args[0], str) or not 0 < len(args[0]) <= 256:
                raise ValueError("expected a walk name")
            self.fire("walk", args[0])
        elif kind == "action":
            if not args or check_number(args[0]) >= 0.5:
                self.fire(argument)

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

    # ---- feedback ---------------------------------------------------------------------------------------
    def _send_feedback(self, state: PerformanceState) -> None:
        pending, self._feedback_pending = self._feedback_pending, {}
        for i, families in pending.items():
            name = self._names[i]
            target = self._targets[i]
            value = read_target(state, target)
            if "osc" not in families:
                if target.kind == "latent":
                    self.osc_out.send(f"/performer/z/{target.index + 1}", [value])
                else:
                    self.osc_out.send(f"/performer/param/{name}", [value])
            for binding in self.bindings:
                if not binding.feedback or binding.target.name != name or binding.family in families:
                    continue
                raw = binding.shape.inverse(value)
                if binding.kind == "osc" and binding.regex is None and self.osc_out.targets:
                    self.osc_out.send(binding.control.osc, [float(raw)])
                elif binding.family == "midi" and self.midi is not None and self.midi.outputs:
                    self._midi_feedback(binding, raw)
                else:
                    continue
                binding.last_written = value  # the control now shows the value: it is picked up
                if binding.takeover is not None:
                    binding.takeover.engaged = True
            self.stats["feedback"] += 1

    def _midi_feedback(self, binding: Binding, raw: float) -> None:
        import mido

        channel = (binding.control.channel or 1) - 1
        c = binding.control
        if binding.kind == "cc":
            messages = [mido.Message("control_change", channel=channel, control=c.cc,
                                     value=min(max(int(round(raw)), 0), 127))]  # fmt: skip
        elif binding.kind == "cc14":
            msb, lsb = Fourteen.split(raw)
            messages = [mido.Message("control_change", channel=channel, control=c.cc14, value=msb),
                        mido.Message("control_change", channel=channel, control=c.cc14 + 32, value=lsb)]
        elif binding.kind == "pitchbend":
            messages = [mido.Message("pitchwheel", channel=channel, pitch=min(max(int(round(raw)), -8192), 8191))]
        else:
            return
        for message in messages:
            self.midi.send(message)

    # ---- learn ------------------------------------------------------------------------------------------
    def start_learn(self, target: str | None = None) -> None:
        """Arm learn for `target` (default: the selected learn target); the next control moved is mapped."""
        target = target or self.learn_targets[self.learn_index]
        self.learner.arm(target)
        log.info("learn: move a control for %s", target)

    def toggle_learn(self) -> None:
        if self.learner.armed:
            self.learner.cancel()
            log.info("learn cancelled")
        else:
            self.start_learn()

    def learn_step(self, step: int) -> None:
        self.learn_index = (self.learn_index + step) % len(self.learn_targets)
        log.info("learn target: %s", self.learn_targets[self.learn_index])
        if self.learner.armed:
            self.learner.arm(self.learn_targets[self.learn_index])

    def _learned(self, entry: dict) -> None:
        self.last_learned = entry
        log.info("learned %s", entry)
        if self.learn_file is None:
            return
        try:
            write_learned(self.learn_file, entry, self.latent_dim)
        except (OSError, ValueError) as exc:
            log.error("cannot write %s: %s", self.learn_file, exc)
            return
        if self.learn_file not in self._files:
            self._files[self.learn_file] = (None, None)
        self._next_reload = float("-inf")  # picked up on the next frame

    def own_actions(self) -> dict[str, Callable]:
        return {"learn": self.toggle_learn, "learn_next": lambda: self.learn_step(1),
                "learn_prev": lambda: self.learn_step(-1)}  # fmt: skip

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

    def status_lines(self) -> list[str]:
        """Short lines for a HUD: mapping errors, learn state."""
        lines = [f"mapping error: {e.splitlines()[0]}" for e in self.errors.values()]
        if self.learner.armed:
            lines.append(f"learn: move a control for {self.learner.target}")
        return lines


# ---- `performer play` wiring ------------------------------------------------------------------------------
def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("controllers (OSC, MIDI, joysticks)")
    group.add_argument("--mapping", action="append", type=Path, default=[], metavar="FILE",
                       help="a mappings/*.yaml file (repeatable, e.g. one per device); hot-reloaded on save")
    group.add_argument("--osc-host", help=f"OSC listen address (default {DEFAULT_HOST}; 0.0.0.0 opens the LAN)")
    group.add_argument("--osc-port", type=int, help=f"OSC listen port (default {DEFAULT_PORT})")
    group.add_argument("--osc-allow", action="append", default=[], metavar="ADDR",
                       help="only accept OSC from this sender address (repeatable)")
    group.add_argument("--osc-feedback", action="append", default=[], metavar="HOST:PORT",
                       help="send current values here when they change (repeatable)")
    group.add_argument("--no-osc", action="store_true", help="do not listen for OSC")
    group.add_argument("--midi-in", action="append", default=[], metavar="NAME",
                       help="open MIDI inputs whose name contains NAME ('all' for every port; repeatable)")
    group.add_argument("--no-midi", action="store_true", help="do not open MIDI ports")
    group.add_argument("--learn-file", type=Path, default=DEFAULT_LEARN_FILE,
                       help=f"where learned mappings go (default {DEFAULT_LEARN_FILE})")  # fmt: skip


def build_inputs(args: argparse.Namespace, actions: dict[str, Callable] | None = None,
                 latent_dim: int = 8) -> list[ControlHub]:  # fmt: skip
    """The input objects for the app loop, started. A bad mapping file or option exits with its message.
    The hub adds its own actions (learn, learn_next, learn_prev) to `actions` where they are free."""
    if args.osc_port is not None and not 0 <= args.osc_port <= 65535:
        raise SystemExit(f"performer: --osc-port must be 0..65535, got {args.osc_port}")
    try:
        feedback = [parse_host_port(text) for text in args.osc_feedback]
        hub = ControlHub(
            args.mapping, latent_dim=latent_dim, actions=actions, osc=not args.no_osc, osc_host=args.osc_host,
            osc_port=args.osc_port, osc_allow=args.osc_allow, osc_feedback=feedback, midi=not args.no_midi,
            midi_in=args.midi_in, learn_file=args.learn_file,
        )  # fmt: skip
    except (MappingError, ValueError) as exc:
        raise SystemExit(f"performer: {exc}") from None
    for name, function in hub.own_actions().items():
        hub.actions.setdefault(name, function)
    return [hub.start()]
