"""ControlHub: the control router, one loop over sources: message -> event -> mapping -> state. Never touches GL.

The app loop calls `hub.update(state, now, dt)` once per frame before drawing. In that call the hub
  1. reloads mapping files saved since the last check (a broken file keeps the previous mapping running and
     its error in `hub.errors`) and tells the sources what the files now ask for (ports, allow-lists),
  2. notices values changed by someone else since the last frame (a preset, a walk): feedback for them, and
     faders under soft takeover let go,
  3. takes each source's events since the last frame (performer/sources: OSC, MIDI, joysticks, the keyboard,
     any `--source`) and offers each to its consumers in turn: learn first (learn.py; while armed it takes
     every control event, mapped or not), then the dispatch (dispatch.py: the canonical OSC addresses of
     performer/targets.py, and the mappings' bindings),
  4. steps smoothing and velocity-mode controls by dt,
  5. sends feedback (OSC targets, MIDI outputs) for changed values, never back to the family that made them.
Routes and bindings write values and fire the app's actions (by name, from `hub.actions`) through the write
sink (sink.py). Counters are in `hub.stats`, and each source's own in `all_stats()`.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

from performer.controls.bindings import Binding
from performer.controls.dispatch import Dispatch
from performer.controls.events import ControlEvent
from performer.controls.feedback import FeedbackRouter
from performer.controls.learn import LearnMode
from performer.controls.mapping_files import MappingFiles
from performer.controls.mapping_schema import MappingFile
from performer.controls.osc_feedback import OscFeedback
from performer.controls.osc_server import OscServer
from performer.controls.sink import WriteSink
from performer.sources.base import DEFAULT_OSC_RETRY, Factory, Source, SourceOptions, SourceSetup
from performer.sources.osc import decode_datagram, osc_event
from performer.sources.running import Sources
from performer.state import PerformanceState
from performer.targets import value_targets

log = logging.getLogger(__name__)

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
        keyboard: Source | None = None,
        audio_in: str | None = None,
        audio_file: str | None = None,
        audio_backend=None,
        sources: Iterable[str | Factory | Source] = (),
        learn_file: str | Path | None = None,
        reload_interval: float = 0.5,
        feedback_interval: float = 1.0 / 30.0,
        strict_mappings: bool = True,
    ) -> None:
        """strict_mappings=False: a mapping file that fails to load is watched and shown in `error_lines()`
        until it loads, instead of raising MappingError (play starts with the others). `sources`: more
        sources after the table's, as "module:function" factories (imported now: ValueError), factories or
        Source objects."""
        self.latent_dim = latent_dim
        self.actions: dict[str, Callable] = actions if actions is not None else {}
        self.stats: Counter = Counter()
        self.errors: dict[str, str] = {}
        self.options = SourceOptions(
            osc=osc,
            osc_host=osc_host,
            osc_port=osc_port,
            osc_allow=tuple(osc_allow),
            osc_retry=osc_retry,
            midi=midi,
            midi_in=tuple(midi_in),
            midi_backend=midi_backend,
            joystick_reader=joystick_reader,
            keyboard=keyboard,
            audio_in=audio_in,
            audio_file=None if audio_file is None else str(audio_file),
            audio_backend=audio_backend,
        )
        self.sources = Sources(sources)
        self.paths = [Path(p) for p in mapping_paths]
        self.learn_file = Path(learn_file) if learn_file else None
        self.reload_interval = reload_interval
        self.learning = LearnMode(latent_dim, self.learn_file, on_written=self._learn_file_written)
        self._cli_feedback = list(osc_feedback)
        self.osc_out = OscFeedback()
        self.files = MappingFiles(latent_dim, self.errors, self.stats)
        self.sink = WriteSink(self.actions, self.stats)
        self.dispatch = Dispatch(self.sink, latent_dim, self.stats)
        self.consumers = (self.learning, self.dispatch)  # each event goes to the first that takes it
        self.feedback = FeedbackRouter(value_targets(latent_dim), self.osc_out, feedback_interval, self.stats)
        self._next_reload = float("-inf")
        self._started = False

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

    @property
    def bindings(self) -> list[Binding]:
        return self.dispatch.bindings

    def start(self) -> ControlHub:
        """Open the sources the options and the mappings ask for. Failures are logged and shown in
        `error_lines()` (an OSC port is tried again every few seconds), never raised."""
        self._started = True
        self.sources.start(self.setup())
        return self

    def setup(self) -> SourceSetup:
        families = {binding.family for binding in self.bindings}
        return SourceSetup(self.options, self.latent_dim, self.mappings, families, self.stats)

    def source(self, name: str) -> Source | None:
        """The open source of that kind ("osc", "midi", ...), or None."""
        return self.sources.get(name)

    @property
    def osc(self) -> OscServer | None:
        source = self.sources.get("osc")
        return source.server if source is not None else None

    @property
    def midi(self):
        """The MIDI source (performer/sources/midi.py's MidiInput), or None."""
        return self.sources.get("midi")

    @midi.setter
    def midi(self, midi) -> None:  # soak plugs in its own virtual board
        self.sources.put("midi", midi)

    @property
    def joystick(self):
        return self.sources.get("joystick")

    def close(self) -> None:
        self.sources.close()
        self.osc_out.close()

    # ---- mapping files ----------------------------------------------------------------------------------
    def check_reload(self) -> bool:
        """Reload the mapping files whose modification time or size changed; True if bindings changed."""
        changed = self.files.reload_changed()
        if changed:
            self._rebuild()
            if self._started:
                self.sources.start(self.setup())
        return changed

    def _rebuild(self) -> None:
        bindings = []
        for path, mapping in self.files.items():
            if mapping is None:
                continue
            bindings += [Binding(c, mapping.defaults, self.latent_dim, str(path)) for c in mapping.controls]
        self.dispatch.set_bindings(bindings)
        targets = list(self._cli_feedback) + [(t.host, t.port) for m in self.mappings for t in m.osc.feedback]
        self.osc_out.set_targets(targets)

    def _learn_file_written(self, path: Path) -> None:
        self.files.watch(path)
        self._next_reload = float("-inf")  # picked up on the next frame

    def own_actions(self) -> dict[str, Callable]:
        """learn (arm / cancel), learn_next, learn_prev: for the app's actions (the L and Page keys)."""
        return self.learning.actions()

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
        self.learning.tick(now)
        sink = self.sink.begin(state)
        before = self.feedback.begin_frame(state)
        for binding in self.bindings:
            binding.notice_external(sink)
        for event in self.sources.events(now, self.stats):
            self.offer(event)
        for binding in self.bindings:
            binding.tick(sink, dt)
        self.feedback.end_frame(state, before, sink.origin, now, self.bindings, self.midi)

    def offer(self, event: ControlEvent) -> None:
        for consumer in self.consumers:
            if consumer.offer(event):
                return

    def handle_event(self, event: ControlEvent, state: PerformanceState) -> None:
        """One event outside the frame loop (tools, tests): to learn when armed, else dispatched."""
        self.sink.state = state
        self.offer(event)

    def handle_osc(self, address: str, args: list, state: PerformanceState, now: float = 0.0, sender: str = "") -> None:
        """One decoded OSC message, as if it had come in over UDP."""
        event = osc_event(address, args, sender, now)
        if (source := self.sources.get("osc")) is not None:
            source.note(event)
        self.handle_event(event, state)

    def _osc_datagram(self, datagram: bytes, sender: str, state: PerformanceState, now: float) -> None:
        event = decode_datagram(datagram, sender, now, self.stats)
        if event is not None:
            self.handle_event(event, state)

    # ---- status -----------------------------------------------------------------------------------------
    @property
    def tempo(self) -> float | None:
        """Beats per minute from MIDI clock, or None."""
        return self.midi.tempo.bpm if self.midi is not None else None

    def all_stats(self) -> dict[str, int]:
        """The hub's counters plus each source's own (osc_*, midi_*, ...) and feedback's."""
        out = Counter(self.stats)  # the same name from two places (osc_malformed: thread and parser) adds up
        out.update(self.sources.stats())
        out.update({f"feedback_{k}": v for k, v in self.osc_out.stats.items()})
        return dict(out)

    def error_lines(self) -> list[str]:
        """What is not working, until it works: mapping files that failed to load (file:line: key and why; the
        previous mapping keeps running), sources that are wanted and not working (an OSC port, a MIDI port
        asked for by name), a learn file that could not be written."""
        lines = [f"mapping error: {e.splitlines()[0]}" for e in self.errors.values()]
        lines += self.sources.error_lines()
        return lines + ([self.learning.problem] if self.learning.problem else [])

    def status_lines(self) -> list[str]:
        """Short lines for a HUD: what each source sent lately, learn state."""
        return self.sources.status_lines() + self.learning.status_lines()
