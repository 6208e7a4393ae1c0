"""The MIDI source: MIDI in (and out, for feedback) through mido with the python-rtmidi backend.

Ports are opened by name or case-insensitive substring, or "all". A scan thread notices ports plugged in or
out every couple of seconds and (re)opens them (a port that failed to open is tried again each scan). When
the machine has no MIDI system at all (no ALSA sequencer: listing ports raises), one line says so and
everything else carries on. A port asked for by name that is not open is one line of `problem_lines()` (for
the HUD) until it opens; "all" asks for no port in particular and never makes one.

The port callback (`receive`, on rtmidi's thread) turns each mido Message into a ControlEvent through the
MIDI_MESSAGES table and appends it to a bounded queue that the frame loop drains; clock messages go to the
tempo tracker at once (their timing matters), SysEx is dropped and counted (a SysEx flood never queues).

The source is opened (`open_midi`) once a port is asked for, on the command line or in a mapping file, or a
mapping binds a MIDI control (then every port is opened).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter, deque

from performer.controls.activity import Activity
from performer.controls.events import ControlEvent, check_number
from performer.sources.base import SourceSetup
from performer.walks.tempo import TempoTracker

log = logging.getLogger(__name__)

# mido message type -> (event kind, attribute holding the control number, attribute holding the value)
MIDI_MESSAGES: dict[str, tuple[str, str | None, str | None]] = {
    "control_change": ("cc", "control", "value"),
    "note_on": ("note", "note", "velocity"),
    "note_off": ("note", "note", None),  # value 0: a release
    "pitchwheel": ("pitchbend", None, "pitch"),
    "program_change": ("program", None, "program"),
    "aftertouch": ("aftertouch", None, "value"),
    "polytouch": ("polytouch", "note", "value"),
}
CLOCK_RESET = frozenset({"start", "stop", "continue", "reset"})
IGNORED = frozenset({"active_sensing", "songpos", "song_select", "tune_request", "quarter_frame"})


def midi_event(message, port: str = "", now: float = 0.0) -> ControlEvent | None:
    """A mido Message as a ControlEvent (channel 1..16), or None for types that are not controls; ValueError
    for a value that is not a usable number (a backend's junk: the port callback counts it as malformed)."""
    spec = MIDI_MESSAGES.get(message.type)
    if spec is None:
        return None
    kind, number_attr, value_attr = spec
    number = getattr(message, number_attr) if number_attr else None
    value = getattr(message, value_attr) if value_attr else 0
    return ControlEvent(kind, number, check_number(value), message.channel + 1, port, now)


def port_matches(name: str, patterns) -> bool:
    """True if a port name is wanted: "all"/"*" takes every port; otherwise a case-insensitive substring."""
    lowered = name.lower()
    return any(p in ("all", "*") or p.lower() in lowered for p in patterns)


class MidiInput:
    """MIDI input ports matching `patterns` (plus output ports matching `outputs`, for feedback).

    `backend` is the mido module (or anything with get_input_names/open_input/get_output_names/open_output),
    injectable for tests. `events(now)` (the Source protocol; `drain()` without the HUD's accounting) returns
    the queued events; `stats` counts what was received and dropped."""

    name = "midi"

    def __init__(
        self,
        patterns=("all",),
        outputs=(),
        backend=None,
        scan_interval: float = 2.0,
        max_queue: int = 4096,
    ) -> None:
        self.patterns = tuple(patterns)
        self.output_patterns = tuple(outputs)
        self.backend = backend
        self.scan_interval = scan_interval
        self.max_queue = max_queue
        self.stats: Counter = Counter()
        self.tempo = TempoTracker()
        self.available = True
        self.inputs: dict[str, object] = {}
        self.outputs: dict[str, object] = {}
        self._queue: deque[ControlEvent] = deque()
        self.unavailable_reason = ""
        self._seen: dict[str, list[str]] = {"input": [], "output": []}  # port names of the last scan
        self._failed: dict[tuple[str, str], str] = {}  # (input/output, port name) -> why it did not open
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.activity = Activity()

    # ---- the callback path ------------------------------------------------------------------------------
    def receive(self, message, port: str = "", now: float | None = None) -> None:
        """The port callback: one mido Message in. Never raises."""
        now = time.monotonic() if now is None else now
        try:
            kind = message.type
            self.stats["received"] += 1
            if kind == "clock":
                self.tempo.tick(now)
                return
            if kind in CLOCK_RESET:
                self.tempo.reset()
                return
            if kind == "sysex":
                self.stats["sysex_dropped"] += 1
                return
            event = midi_event(message, port, now)
            if event is None:
                self.stats["ignored"] += 1
                return
            if len(self._queue) >= self.max_queue:
                self.stats["overflow"] += 1
                return
            self._queue.append(event)
        except Exception:  # a malformed object from a backend: drop it, keep the port alive
            self.stats["malformed"] += 1
            log.debug("dropped MIDI message %r", message, exc_info=True)

    def drain(self) -> list[ControlEvent]:
        out = []
        queue = self._queue
        while queue:
            out.append(queue.popleft())
        return out

    def events(self, now: float) -> list[ControlEvent]:
        events = self.drain()
        for event in events:
            self.activity.note("midi", event.label())
        self.activity.tick(now)
        return events

    def configure(self, setup: SourceSetup) -> None:
        """After a mapping reload: the ports the files now ask for (with MIDI off, a board plugged in by hand,
        as soak's, keeps its own)."""
        patterns, outputs = wanted_ports(setup)
        if setup.options.midi and patterns:
            self.patterns, self.output_patterns = tuple(patterns), tuple(outputs)

    def status_line(self) -> str | None:
        if not self.available:
            return None
        counts = {f"midi_{k}": v for k, v in self.stats.items()}
        return self.activity.line("midi", ", ".join(self.inputs) or "no port open", counts)

    def error_lines(self) -> list[str]:
        return self.problem_lines()

    # ---- ports ------------------------------------------------------------------------------------------
    def start(self) -> MidiInput:
        if self.backend is None:
            import mido

            self.backend = mido
        self.scan()
        if self.available and self.scan_interval > 0:
            self._thread = threading.Thread(target=self._run, name="midi-scan", daemon=True)
            self._thread.start()
        return self

    def _run(self) -> None:
        # re-read the interval each time: setting it to 0 ends the thread (a 0 wait would spin on the GIL)
        while self.scan_interval > 0 and not self._stop.wait(self.scan_interval):
            self.scan()

    def scan(self) -> None:
        """Open wanted ports that appeared, close ports that went away."""
        if not self.available:
            return
        try:
            input_names = list(self.backend.get_input_names())
            output_names = list(self.backend.get_output_names()) if self.output_patterns else []
        except Exception as exc:
            if not self.inputs and not self.outputs and self.stats["scans"] == 0:
                self.available = False
                self.unavailable_reason = str(exc).strip() or type(exc).__name__
                log.warning("MIDI unavailable (%s); continuing without MIDI", self.unavailable_reason)
            else:
                self.stats["scan_errors"] += 1
            return
        self.stats["scans"] += 1
        self._seen = {"input": input_names, "output": output_names}
        with self._lock:
            self._sync(self.inputs, input_names, self.patterns, self._open_input, "input")
            self._sync(self.outputs, output_names, self.output_patterns, self._open_output, "output")

    def _open_output(self, name: str):
        return self.backend.open_output(name)

    def _open_input(self, name: str):
        return self.backend.open_input(name, callback=lambda message, port=name: self.receive(message, port))

    def _sync(self, opened: dict, names: list[str], patterns, opener, what: str) -> None:
        for name in list(opened):
            if name not in names:
                log.info("MIDI %s unplugged: %s", what, name)
                self._close(opened.pop(name))
        for key in [key for key in self._failed if key[0] == what and key[1] not in names]:
            del self._failed[key]  # unplugged: a failure to open is about the port that was there
        for name in names:
            if name in opened or not port_matches(name, patterns):
                continue
            try:
                opened[name] = opener(name)
                self._failed.pop((what, name), None)
                log.info("MIDI %s opened: %s", what, name)
            except Exception as exc:
                reason = str(exc).strip() or type(exc).__name__
                if self._failed.get((what, name)) != reason:  # tried again every scan, said once
                    log.warning("MIDI %s %s cannot be opened: %s", what, name, reason)
                self._failed[(what, name)] = reason

    def problem_lines(self) -> list[str]:
        """One line per port asked for by name that is not open: not found, failing to open, or no MIDI system."""
        lines = []
        for what, patterns, opened in (
            ("input", self.patterns, self.inputs),
            ("output", self.output_patterns, self.outputs),
        ):
            open_names, failed = list(opened), list(self._failed.items())  # copies: the scan thread changes them
            for pattern in patterns:
                if pattern in ("all", "*") or any(port_matches(name, [pattern]) for name in open_names):
                    continue
                why = next(
                    (
                        f"{name!r} cannot be opened: {reason}"
                        for (kind, name), reason in failed
                        if kind == what and port_matches(name, [pattern])
                    ),
                    None,
                )
                if not self.available:
                    why = f"no MIDI system ({self.unavailable_reason})"
                elif why is None:
                    ports = ", ".join(self._seen[what]) or "none"
                    why = f"not found (ports: {ports[:60]}{'...' if len(ports) > 60 else ''})"
                lines.append(f"MIDI {what} {pattern!r}: {why}")
        return lines

    @staticmethod
    def _close(port) -> None:
        try:
            port.close()
        except Exception:
            pass

    def send(self, message) -> None:
        """Send to every open output (feedback); errors are counted, never raised."""
        for port in list(self.outputs.values()):
            try:
                port.send(message)
                self.stats["sent"] += 1
            except Exception:
                self.stats["send_errors"] += 1

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=1.0)
        with self._lock:
            for ports in (self.inputs, self.outputs):
                for port in ports.values():
                    self._close(port)
                ports.clear()


def wanted_ports(setup: SourceSetup) -> tuple[list[str], list[str]]:
    """The input and output port patterns asked for: the command line's and the mapping files'; every input
    when a mapping binds a MIDI control and names no port."""
    patterns = list(setup.options.midi_in) + [p for m in setup.mappings for p in m.midi.inputs]
    outputs = [p for m in setup.mappings for p in m.midi.outputs]
    if "midi" in setup.families and not patterns:
        patterns = ["all"]
    return patterns, outputs


def open_midi(setup: SourceSetup) -> MidiInput | None:
    """The MIDI source with its ports open, once a port is wanted (see wanted_ports); None until then."""
    patterns, outputs = wanted_ports(setup)
    if not setup.options.midi or not patterns:
        return None
    midi = MidiInput(patterns, outputs, backend=setup.options.midi_backend).start()
    for line in midi.problem_lines():  # the HUD shows them too, until they open
        log.warning("%s", line)
    return midi
