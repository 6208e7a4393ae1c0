"""Controllers that failed to start are HUD error lines until they work: an OSC port that is taken (tried again
every --osc-retry seconds), a MIDI port asked for by name, a mapping file that does not load."""

from __future__ import annotations

import inspect
import socket
import time

import pytest
from pythonosc.udp_client import SimpleUDPClient

from performer.cli import build_parser
from performer.controls.cli_options import build_inputs
from performer.controls.hub import ControlHub
from performer.sources.midi import MidiInput
from performer.state import PerformanceState


def take_a_port() -> tuple[socket.socket, int]:
    taker = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    taker.bind(("127.0.0.1", 0))
    return taker, taker.getsockname()[1]


def received_soon(hub: ControlHub, state: PerformanceState, now: float, check) -> bool:
    """Frames at `now` (the hub's clock stands still) until `check()` or half a second of real time."""
    deadline = time.monotonic() + 0.5
    while time.monotonic() < deadline:
        hub.update(state, now, 0.0)
        if check():
            return True
        time.sleep(0.01)
    return False


def test_a_taken_osc_port_is_an_error_line_and_is_tried_again(caplog):
    taker, port = take_a_port()
    hub = ControlHub(osc_port=port, midi=False, osc_retry=0.5).start()
    state = PerformanceState()
    try:
        assert hub.osc is None
        line = f"OSC cannot listen on 127.0.0.1:{port}: Address already in use; trying every 0.5 s"
        assert hub.error_lines() == [line]
        hub.update(state, 10.0, 0.0)  # the first frame tries at once (still taken), the next try at 10.5
        hub.update(state, 10.2, 0.0)
        assert hub.osc is None and hub.error_lines() == [line]
        assert sum("OSC cannot listen" in r.message for r in caplog.records) == 1  # said once, not per try
        taker.close()
        hub.update(state, 10.4, 0.0)
        assert hub.osc is None  # freed, but the next try is not due yet
        hub.update(state, 10.5, 0.0)
        assert hub.osc is not None and hub.osc.address == ("127.0.0.1", port)
        assert hub.error_lines() == []
        SimpleUDPClient("127.0.0.1", port).send_message("/performer/z/4", 2.0)
        assert received_soon(hub, state, 10.6, lambda: state.z[3] == 2.0)
    finally:
        taker.close()
        hub.close()


def test_a_taken_osc_port_is_an_error_line_by_default():
    taker, port = take_a_port()
    hub = ControlHub(osc_port=port, midi=False).start()
    try:
        assert hub.error_lines() == [f"OSC cannot listen on 127.0.0.1:{port}: Address already in use; trying every 3 s"]
    finally:
        taker.close()
        hub.close()


def test_the_osc_retry_interval_must_be_positive():
    with pytest.raises(ValueError, match="retry interval must be > 0"):
        ControlHub(osc=False, midi=False, osc_retry=0)
    args = build_parser().parse_args(["play", "--headless", "--osc-retry", "-1"])
    with pytest.raises(SystemExit, match="--osc-retry must be > 0 seconds, got -1"):
        build_inputs(args)


class Ports:
    """A MIDI backend whose port list the test changes (plugging in), with ports that may refuse to open."""

    def __init__(self, names, refuse=()):
        self.names, self.refuse = list(names), set(refuse)

    def get_input_names(self):
        return list(self.names)

    def get_output_names(self):
        return []

    def open_input(self, name, callback=None):
        if name in self.refuse:
            raise OSError("device busy")
        return self

    def close(self):
        pass


def test_a_midi_port_asked_for_by_name_is_an_error_line_until_it_opens():
    backend = Ports(["Midi Through Port-0"])
    hub = ControlHub(osc=False, midi_in=["nanokontrol"], midi_backend=backend).start()
    hub.midi.scan_interval = 0
    try:
        assert hub.error_lines() == ["MIDI input 'nanokontrol': not found (ports: Midi Through Port-0)"]
        backend.names.append("nanoKONTROL2 MIDI 1")
        backend.refuse.add("nanoKONTROL2 MIDI 1")
        hub.midi.scan()
        assert hub.error_lines() == ["MIDI input 'nanokontrol': 'nanoKONTROL2 MIDI 1' cannot be opened: device busy"]
        backend.refuse.clear()
        hub.midi.scan()  # tried again on the next scan
        assert hub.error_lines() == [] and list(hub.midi.inputs) == ["nanoKONTROL2 MIDI 1"]
    finally:
        hub.close()


def test_all_ports_asks_for_none_by_name_and_no_midi_system_names_the_reason():
    class NoMidiSystem:
        def get_input_names(self):
            raise SystemError("no ALSA sequencer")

        get_output_names = get_input_names

    assert MidiInput(["all"], backend=Ports([])).start().problem_lines() == []
    midi = MidiInput(["all", "MIDImix"], backend=NoMidiSystem()).start()
    assert midi.problem_lines() == ["MIDI input 'MIDImix': no MIDI system (no ALSA sequencer)"]


def test_play_starts_with_a_broken_mapping_file_and_loads_it_when_fixed(tmp_path):
    good, broken = tmp_path / "good.yaml", tmp_path / "broken.yaml"
    good.write_text("controls:\n  - {osc: /fader/a, to: z1}\n")
    broken.write_text("controls:\n  - {osc: /fader/b, to: z2, curve: wobbly}\n")
    args = build_parser().parse_args(
        [
            "play",
            "--headless",
            "--no-osc",
            "--no-midi",
            "--mapping",
            str(good),
            "--mapping",
            str(broken),
            "--mapping",
            str(tmp_path / "later.yaml"),
        ]
    )
    [hub] = build_inputs(args)
    state = PerformanceState()
    try:
        lines = hub.error_lines()
        assert len(lines) == 2
        assert lines[0].startswith(f"mapping error: {broken}:2: controls[0].curve:")
        assert lines[1].startswith(f"mapping error: {tmp_path / 'later.yaml'}:0: cannot read")
        hub.handle_osc("/fader/a", [1.0], state)
        assert state.z[0] == 3.0  # the good file plays meanwhile
        broken.write_text("controls:\n  - {osc: /fader/b, to: z2}\n")
        (tmp_path / "later.yaml").write_text("controls:\n  - {osc: /fader/c, to: z3}\n")
        assert hub.check_reload()
        assert hub.error_lines() == []
        hub.handle_osc("/fader/b", [0.0], state)
        hub.handle_osc("/fader/c", [0.5], state)
        assert state.z[1] == -3.0 and state.z[2] == 0.0
    finally:
        hub.close()


def hud_errors(session) -> list[list[str]]:
    """Wrap the HUD's draw so the test sees the error lines of each frame as the HUD got them."""
    drawn, draw = [], session.hud.draw

    def recording_draw(*args, **kwargs):
        drawn.append(list(inspect.signature(draw).bind(*args, **kwargs).arguments["errors"] or []))
        return draw(*args, **kwargs)

    session.hud.draw = recording_draw
    return drawn


def test_play_shows_a_taken_osc_port_in_the_hud_and_takes_it_when_freed(random_model_file, tmp_path):
    from performer.render.weights import CppnWeights
    from performer.render.window import HeadlessSurface
    from performer.session import build_session

    taker, port = take_a_port()
    args = build_parser().parse_args(
        [
            "play",
            "--headless",
            "--model",
            str(random_model_file[0]),
            "--size",
            "32x24",
            "--osc-port",
            str(port),
            "--osc-retry",
            "0.4",
            "--no-midi",
            "--no-reload",
            "--no-prints",
            "--record-dir",
            str(tmp_path / "rec"),
            "--snapshot-dir",
            str(tmp_path / "snaps"),
        ]
    )
    weights = CppnWeights.from_file(args.model)
    surface = HeadlessSurface(args.size)
    session = build_session(args, surface, weights, PerformanceState(latent_dim=weights.latent_dim))
    drawn = hud_errors(session)
    hub, app = session.hubs[0], session.app
    app.state.hud = True  # H
    line = f"OSC cannot listen on 127.0.0.1:{port}: Address already in use; trying every 0.4 s"
    try:
        app.step(1.0, 0.1)
        app.step(1.1, 0.1)
        assert drawn == [[line], [line]]
        taker.close()
        app.step(1.3, 0.1)  # next try at 1.4
        assert drawn[-1] == [line] and hub.osc is None
        app.step(1.45, 0.1)
        assert drawn[-1] == [] and hub.osc.address == ("127.0.0.1", port)
        assert f"OSC 127.0.0.1:{port} waiting" in hub.status_lines()
        SimpleUDPClient("127.0.0.1", port).send_message("/performer/z/2", -1.25)
        deadline = time.monotonic() + 1.0
        while app.state.z[1] != -1.25 and time.monotonic() < deadline:
            time.sleep(0.02)
            app.step(1.5, 0.0)
        assert app.state.z[1] == -1.25
    finally:
        taker.close()
        session.close()
        surface.close()
