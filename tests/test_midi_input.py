"""MIDI: mido Messages through the port callback into the hub; every MIDI mapping option with numbers by hand;
SysEx floods, clock tempo, hot-plug, no MIDI system at all, feedback to outputs."""

import logging

import mido
import pytest

from performer.controls.hub import ControlHub
from performer.sources.midi import MidiInput, midi_event, port_matches
from performer.state import PerformanceState
from performer.walks.tempo import TempoTracker


class FakePort:
    def __init__(self, name, callback=None):
        self.name, self.callback, self.closed, self.sent = name, callback, False, []

    def send(self, message):
        self.sent.append(message)

    def close(self):
        self.closed = True


class FakeMido:
    """get_input_names/open_input like mido, with ports that can be plugged and unplugged."""

    def __init__(self, inputs=("Fake Board",), outputs=()):
        self.input_names, self.output_names = list(inputs), list(outputs)
        self.opened: dict[str, FakePort] = {}
        self.outputs: dict[str, FakePort] = {}

    def get_input_names(self):
        return list(self.input_names)

    def get_output_names(self):
        return list(self.output_names)

    def open_input(self, name, callback=None):
        self.opened[name] = FakePort(name, callback)
        return self.opened[name]

    def open_output(self, name):
        self.outputs[name] = FakePort(name)
        return self.outputs[name]


class NoMidiSystem:
    def get_input_names(self):
        raise SystemError("MidiInAlsa::initialize: error creating ALSA sequencer client object.")

    get_output_names = get_input_names


def rig(tmp_path, controls: str, outputs=(), actions=None):
    path = tmp_path / "board.yaml"
    head = f"midi:\n  outputs: {list(outputs)}\n" if outputs else ""
    path.write_text(head + "controls:\n" + controls)
    backend = FakeMido(outputs=outputs)
    hub = ControlHub([path], osc=False, midi_backend=backend, actions=actions).start()
    hub.midi.scan_interval = 0  # no scan thread needed
    state = PerformanceState()
    port = backend.opened["Fake Board"]
    clock = {"t": 0.0}

    def send(*messages, frame=True, dt=1 / 60):
        for m in messages:
            clock["t"] += 0.001
            port.callback(m)  # exactly what rtmidi's thread calls
        if frame:
            clock["t"] += dt
            hub.update(state, clock["t"], dt)

    return hub, state, send, backend


def cc(control, value, channel=0):
    return mido.Message("control_change", control=control, value=value, channel=channel)


def test_message_table():
    e = midi_event(mido.Message("note_on", note=60, velocity=100, channel=2), "Board", 1.0)
    assert (e.kind, e.number, e.value, e.channel, e.device) == ("note", 60, 100.0, 3, "Board")
    assert midi_event(mido.Message("note_off", note=60, velocity=64)).value == 0.0
    assert midi_event(mido.Message("pitchwheel", pitch=-8192)).value == -8192.0
    assert midi_event(mido.Message("program_change", program=5)).kind == "program"
    assert midi_event(mido.Message("clock")) is None
    assert port_matches("nanoKONTROL2 MIDI 1", ["nanokontrol"]) and port_matches("x", ["all"])
    assert not port_matches("MIDI Mix", ["nanokontrol"])


def test_cc_to_latent_and_channel_filter(tmp_path):
    hub, state, send, _ = rig(tmp_path, "  - {cc: 0, to: z1}\n  - {cc: 0, channel: 2, to: z2, out: [0, 1]}\n")
    send(cc(0, 127))
    assert state.z[0] == 3.0 and state.z[1] == 0.0
    send(cc(0, 0, channel=1))  # MIDI channel 2 (0-based 1 in mido)
    assert state.z[1] == 0.0
    send(cc(0, 127, channel=1))
    assert state.z[1] == 1.0 and state.z[0] == 3.0


def test_fourteen_bit_pair(tmp_path):
    hub, state, send, _ = rig(tmp_path, "  - {cc14: 1, to: z2}\n")
    send(cc(1, 64))
    assert state.z[1] == pytest.approx(8192 / 16383 * 6 - 3, abs=1e-6)  # 0.000183
    send(cc(33, 127))
    assert state.z[1] == pytest.approx(0.0466947, abs=1e-6)  # 8319 / 16383 * 6 - 3
    send(cc(1, 127), cc(33, 127))
    assert state.z[1] == 3.0


@pytest.mark.parametrize(
    "encoding, up, down",
    [("twos-complement", 3, 127), ("signed-bit", 3, 65), ("signed-bit-2", 67, 1), ("binary-offset", 67, 63)],
)
def test_relative_encoders_move_from_the_current_value(tmp_path, encoding, up, down):
    hub, state, send, _ = rig(tmp_path, f"  - {{cc: 16, to: zoom, relative: {encoding}, step: 0.1}}\n")
    state.set("zoom", 2.0)  # e.g. a preset: the encoder continues from here
    send(cc(16, up))
    assert state.params["zoom"] == pytest.approx(2.3)  # +3 ticks * 0.1
    send(cc(16, down))
    assert state.params["zoom"] == pytest.approx(2.2)  # -1 tick


def test_soft_takeover_on_a_fader(tmp_path):
    hub, state, send, _ = rig(tmp_path, "  - {cc: 0, to: z1, takeover: pickup}\n")
    state.set_latent(0, 2.0)  # recalled by a preset; the fader sits low
    for value in (10, 20, 30):  # -2.53, -2.06, -1.58: slow and far away
        send(cc(0, value), dt=0.5)
        assert state.z[0] == 2.0
    send(cc(0, 105), dt=0.5)  # -3 + 105 * 6 / 127 = 1.9606: within 0.12 of 2.0 -> picked up
    assert state.z[0] == pytest.approx(1.9606299, abs=1e-6)
    send(cc(0, 60))
    assert state.z[0] == pytest.approx(-3 + 60 * 6 / 127, abs=1e-6)
    state.set_latent(0, -2.0)  # another preset: let go again
    send(cc(0, 62))
    assert state.z[0] == -2.0
    assert hub.stats["takeover_waiting"] == 4


def test_soft_takeover_fast_move_overrides(tmp_path):
    hub, state, send, _ = rig(tmp_path, "  - {cc: 0, to: z1, takeover: pickup}\n")
    state.set_latent(0, 2.0)
    send(cc(0, 10), frame=False)
    send(cc(0, 90))  # 0.63 of the travel within milliseconds: takes over at once
    assert state.z[0] == pytest.approx(1.2519685, abs=1e-6)  # -3 + 90 * 6 / 127


def test_smoothing_time_constant(tmp_path):
    hub, state, send, _ = rig(tmp_path, "  - {cc: 0, to: z1, in: [0, 100], out: [0, 1], smoothing: 0.1}\n")
    send(cc(0, 100), dt=0.1)
    assert state.z[0] == pytest.approx(0.6321206, abs=1e-6)  # 1 - e^-1
    send(dt=0.1)
    assert state.z[0] == pytest.approx(0.8646647, abs=1e-6)  # 1 - e^-2


def test_curve_invert_dead_zone_through_the_hub(tmp_path):
    hub, state, send, _ = rig(
        tmp_path,
        "  - {cc: 1, to: zoom, curve: exponential, out: [0.25, 8]}\n"
        "  - {cc: 2, to: brightness, invert: true, in: [0, 100], out: [0, 1]}\n"
        "  - {cc: 3, to: z3, in: [0, 100], deadzone: 0.1}\n",
    )
    send(cc(1, 0), cc(2, 25), cc(3, 60))
    assert state.params["zoom"] == 0.25
    assert state.params["brightness"] == 0.75
    assert state.z[2] == pytest.approx(1 / 3, abs=1e-6)
    send(cc(1, 127), cc(3, 52))
    assert state.params["zoom"] == 8.0
    assert state.z[2] == 0.0  # inside the dead zone


def test_notes_pitchbend_program_and_thresholds(tmp_path):
    fired = []
    actions = {
        "random": lambda: fired.append("random"),
        "preset": lambda i: fired.append(("preset", i)),
        "snapshot": lambda: fired.append("snapshot"),
    }
    hub, state, send, _ = rig(
        tmp_path,
        "  - {note: 36, to: random}\n"
        "  - {cc: 64, to: snapshot, threshold: 0.9}\n"
        "  - {program: true, to: preset}\n"
        "  - {pitchbend: true, to: rotation, in: [-8192, 8192]}\n"
        "  - {note: 40, to: z4, in: [0, 127], out: [0, 127]}\n",
        actions=actions,
    )
    send(mido.Message("note_on", note=36, velocity=20))
    send(mido.Message("note_on", note=36, velocity=90))  # still held: no second trigger
    send(mido.Message("note_off", note=36), mido.Message("note_on", note=36, velocity=1))
    send(cc(64, 100), cc(64, 120))  # 100/127 = 0.79 < 0.9; 120/127 = 0.94 fires
    send(mido.Message("program_change", program=5))
    send(mido.Message("pitchwheel", pitch=4096))  # u = 0.75 of -180..180
    send(mido.Message("note_on", note=40, velocity=3))  # velocity as a value: 0..127 -> 0..127
    assert fired == ["random", "random", "snapshot", ("preset", 5)]
    assert state.params["rotation"] == 90.0
    assert state.z[3] == 3.0
    assert hub.stats["actions"] == 4


def test_sysex_flood_is_dropped_and_counted(tmp_path):
    hub, state, send, backend = rig(tmp_path, "  - {cc: 0, to: z1}\n")
    sysex = mido.Message("sysex", data=list(range(100)))
    send(*[sysex] * 10000, frame=False)
    send(cc(0, 127))
    assert state.z[0] == 3.0
    stats = hub.all_stats()
    assert stats["midi_sysex_dropped"] == 10000 and stats["midi_received"] == 10001


def test_queue_is_bounded():
    midi = MidiInput(backend=FakeMido(), max_queue=100)
    for i in range(250):
        midi.receive(cc(1, i % 128), "p", 0.0)
    assert len(midi.drain()) == 100 and midi.stats["overflow"] == 150
    midi.receive(object(), "p")  # not a mido Message at all
    assert midi.stats["malformed"] == 1


def test_clock_gives_tempo():
    tempo = TempoTracker()
    for i in range(25):
        tempo.tick(i / 48)  # 48 pulses per second = 2 beats per second
    assert tempo.bpm == pytest.approx(120.0)
    tempo.tick(5.0)  # the clock stopped for seconds: start over
    assert tempo.bpm is None
    midi = MidiInput(backend=FakeMido())
    for i in range(25):
        midi.receive(mido.Message("clock"), "p", now=10 + i * 0.025)  # 40 pulses/s
    assert midi.tempo.bpm == pytest.approx(100.0)
    midi.receive(mido.Message("stop"), "p")
    assert midi.tempo.bpm is None


def test_hot_plug_reopens_ports():
    backend = FakeMido(inputs=["Board A", "Other"])
    midi = MidiInput(["board"], backend=backend, scan_interval=0).start()
    assert list(midi.inputs) == ["Board A"]
    first = backend.opened["Board A"]
    backend.input_names = ["Other"]
    midi.scan()
    assert midi.inputs == {} and first.closed
    backend.input_names = ["Other", "Board A"]
    midi.scan()
    assert list(midi.inputs) == ["Board A"] and backend.opened["Board A"] is not first


def test_no_midi_system_is_a_notice_not_a_crash(caplog):
    with caplog.at_level(logging.WARNING):
        midi = MidiInput(backend=NoMidiSystem()).start()
        midi.scan()
    assert not midi.available
    notices = [r.message for r in caplog.records if "MIDI unavailable" in r.message]
    assert len(notices) == 1 and "\n" not in notices[0]


def test_real_mido_on_this_machine_does_not_crash(tmp_path):
    hub = ControlHub(osc=False, midi_in=["all"]).start()  # no ALSA sequencer here: a notice, no exception
    state = PerformanceState()
    hub.update(state, 0.0, 1 / 60)
    hub.close()
    assert hub.midi is not None


def test_feedback_to_midi_outputs(tmp_path):
    hub, state, send, backend = rig(tmp_path, "  - {cc: 7, to: z1}\n  - {cc14: 2, to: z2}\n", outputs=["Fake Board"])
    send()
    state.set_latent(0, 1.5)  # a walk moved it: the motor fader follows
    state.set_latent(1, 0.75)
    send()
    sent = [(m.control, m.value) for m in backend.outputs["Fake Board"].sent]
    assert (7, 95) in sent  # (1.5 + 3) / 6 * 127 = 95.25
    assert (2, 79) in sent and (34, 127) in sent  # (0.75 + 3) / 6 * 16383 = 10239.4 -> 79 * 128 + 127
    backend.outputs["Fake Board"].sent.clear()
    send(cc(7, 10))  # moved from the board itself: no echo back to MIDI
    assert backend.outputs["Fake Board"].sent == []
