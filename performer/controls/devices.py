"""The devices a ControlHub listens to: the OSC server, MIDI ports and joysticks, each opened when the options
or the mappings ask for it. What failed to start stays one line in `problem_lines()` (the HUD's red lines)
until it works, and is logged once.

An OSC address that cannot be opened (the port taken by another program, often a second performer; a LAN
address whose interface is not up yet) is tried again every `osc_retry` seconds from the frame loop: a bind
takes microseconds, so a retry never stalls a frame.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from performer.controls.joystick import JoystickInput
from performer.controls.mapping_schema import MappingFile
from performer.controls.midi_input import MidiInput
from performer.controls.osc_server import DEFAULT_HOST, DEFAULT_PORT, OscServer

log = logging.getLogger(__name__)

DEFAULT_OSC_RETRY = 3.0  # seconds between tries of an OSC port that could not be opened
LOCAL_HOSTS = ("127.0.0.1", "::1", "localhost")


class Devices:
    def __init__(
        self,
        *,
        osc: bool = True,
        osc_host: str | None = None,
        osc_port: int | None = None,
        osc_allow: Iterable[str] = (),
        osc_retry: float = DEFAULT_OSC_RETRY,
        midi: bool = True,
        midi_in: Iterable[str] = (),
        midi_backend=None,
        joystick_reader=None,
    ) -> None:
        if not osc_retry > 0:
            raise ValueError(f"the OSC retry interval must be > 0 seconds, got {osc_retry}")
        self.osc_retry = osc_retry
        self._osc_enabled, self._osc_host, self._osc_port = osc, osc_host, osc_port
        self._cli_allow = list(osc_allow)
        self._midi_enabled, self._cli_midi = midi, list(midi_in)
        self._midi_backend, self._joystick_reader = midi_backend, joystick_reader
        self.osc: OscServer | None = None
        self.midi: MidiInput | None = None
        self.joystick: JoystickInput | None = None
        self.osc_problem: str | None = None
        self._osc_retry_at: float | None = None  # None: not waiting to try again
        self._mappings: list[MappingFile] = []

    def start(self, mappings: list[MappingFile], wants: set[str]) -> None:
        """Open the OSC server and the devices the mappings need (`wants`: the families bound, e.g. "midi").
        Failures are noted and logged, never raised."""
        self._mappings = list(mappings)
        if self._osc_enabled and self.osc is None:
            self._open_osc(None)
        self.configure(mappings, wants)
        if self.midi is not None:
            for line in self.midi.problem_lines():  # the HUD shows them too, until they open
                log.warning("%s", line)

    def configure(self, mappings: list[MappingFile], wants: set[str]) -> None:
        """At start and after each mapping reload: the OSC allow-list, the MIDI ports asked for, joysticks."""
        self._mappings = list(mappings)
        if self.osc is not None:
            self.osc.allow = frozenset(self.allow_list())
        patterns = self._cli_midi + [p for m in mappings for p in m.midi.inputs]
        outputs = [p for m in mappings for p in m.midi.outputs]
        if "midi" in wants and not patterns:
            patterns = ["all"]
        if self._midi_enabled and patterns:
            if self.midi is None:
                self.midi = MidiInput(patterns, outputs, backend=self._midi_backend).start()
            else:
                self.midi.patterns, self.midi.output_patterns = tuple(patterns), tuple(outputs)
        if self.joystick is None and (self._joystick_reader is not None or "joystick" in wants):
            self.joystick = JoystickInput(self._joystick_reader)

    def allow_list(self) -> list[str]:
        return self._cli_allow + [a for m in self._mappings for a in m.osc.allow]

    def poll(self, now: float) -> None:
        """Once per frame: try the OSC port again when it failed and its retry is due."""
        if self._osc_retry_at is not None and now >= self._osc_retry_at:
            self._open_osc(now)

    def _open_osc(self, now: float | None) -> None:
        host = self._osc_host or next((m.osc.host for m in self._mappings if m.osc.host), DEFAULT_HOST)
        port = self._osc_port if self._osc_port is not None else next(
            (m.osc.port for m in self._mappings if m.osc.port), DEFAULT_PORT)  # fmt: skip
        server = OscServer(host, port, self.allow_list())
        try:
            self.osc = server.start()
        except OSError as exc:  # socket.gaierror (a host name that does not resolve) is an OSError too
            problem = f"OSC cannot listen on {host}:{port}: {exc.strerror or exc}; trying every {self.osc_retry:g} s"
            if problem != self.osc_problem:
                log.error("%s", problem)
            self.osc_problem = problem
            # the first retry comes with the first frame (the port may have been freed meanwhile), then timed
            self._osc_retry_at = float("-inf") if now is None else now + self.osc_retry
            return
        if self.osc_problem is not None:
            log.info("OSC works now (%s:%d)", *self.osc.address)
        self.osc_problem, self._osc_retry_at = None, None
        if host not in LOCAL_HOSTS and not server.allow:
            log.warning("OSC is open to the network on %s:%d with no allow-list", host, port)

    def problem_lines(self) -> list[str]:
        """One line per device that is wanted and not working: the OSC port, MIDI ports asked for by name."""
        lines = [self.osc_problem] if self.osc_problem else []
        if self.midi is not None:
            lines += self.midi.problem_lines()
        return lines

    def close(self) -> None:
        self._osc_retry_at = None
        if self.osc is not None:
            self.osc.close()
        if self.midi is not None:
            self.midi.close()
