"""The HUD's controller activity lines: rates per full window, the last control, the dropped count."""

from __future__ import annotations

import mido

from performer.controls.activity import Activity
from performer.controls.hub import ControlHub
from performer.state import PerformanceState


def test_rate_is_counted_over_full_windows_only():
    activity = Activity(window=1.0)
    activity.tick(10.0)  # the first window starts
    for _ in range(30):
        activity.note("osc", "/performer/z/1 from 127.0.0.1")
    activity.tick(10.5)  # half a window: no rate yet
    assert activity.sources["osc"].rate == 0.0
    for _ in range(15):
        activity.note("osc", "/performer/z/2 from 127.0.0.1")
    activity.tick(11.25)  # 45 messages over 1.25 s
    assert activity.sources["osc"].rate == 36.0
    activity.tick(12.5)  # nothing in the next 1.25 s
    assert activity.sources["osc"].rate == 0.0
    stats = {"osc_malformed": 2, "osc_unknown_address": 5, "osc_messages": 45}
    assert activity.line("osc", "127.0.0.1:9000", stats) == (
        "OSC 127.0.0.1:9000 0/s last /performer/z/2 from 127.0.0.1, 7 dropped"
    )
    assert activity.line("midi", "", {}) == "MIDI waiting"


class OneBoard:
    def __init__(self):
        self.callback = None

    def get_input_names(self):
        return ["nanoKONTROL2"]

    def get_output_names(self):
        return []

    def open_input(self, name, callback=None):
        self.callback = callback
        return self

    def close(self):
        pass


def test_hub_status_shows_what_osc_and_midi_sent(tmp_path):
    mapping = tmp_path / "board.yaml"
    mapping.write_text("controls:\n  - {cc: 3, to: z4}\n")
    board = OneBoard()
    hub = ControlHub([mapping], osc_port=0, midi_backend=board).start()
    try:
        hub.midi.scan_interval = 0
        state = PerformanceState()
        lines = hub.status_lines()
        host, port = hub.osc.address
        assert f"OSC {host}:{port} waiting" in lines and "MIDI nanoKONTROL2 waiting" in lines
        hub.update(state, 0.0, 1 / 60)
        for value in (10, 64, 127):
            board.callback(mido.Message("control_change", control=3, value=value, channel=0))
        board.callback(mido.Message("sysex", data=[1, 2, 3]))
        hub.handle_osc("/performer/z/1", [0.5], state, 0.5, "10.0.0.7")
        hub.handle_osc("/nobody", [1.0], state, 0.5, "10.0.0.7")
        hub.update(state, 2.0, 1 / 60)  # the window (0 .. 2 s) closes: 3 CCs and 2 OSC messages over 2 s
        lines = hub.status_lines()
        assert f"OSC {host}:{port} 1/s last /nobody from 10.0.0.7, 1 dropped" in lines
        assert "MIDI nanoKONTROL2 2/s last cc 3 = 127 ch 1 (nanoKONTROL2), 1 dropped" in lines
        assert state.z[0] == 0.5 and state.z[3] > 0
    finally:
        hub.close()
