"""MIDI learn: recognising a moved control, and the hub writing and loading the learned mapping."""

import mido

from performer.controls.events import ControlEvent
from performer.controls.hub import ControlHub
from performer.controls.learn import Learner, guess_relative, write_learned
from performer.controls.mapping_schema import load_mapping
from performer.state import PerformanceState


def cc(number, value, channel=1):
    return ControlEvent("cc", number, float(value), channel, "Board")


def test_fader_needs_a_few_messages():
    learner = Learner()
    learner.arm("z3")
    assert [learner.feed(cc(5, v)) for v in (10, 14, 18)] == [None, None, None]
    assert learner.feed(cc(5, 22)) == {"cc": 5, "channel": 1, "to": "z3"}
    assert not learner.armed


def test_relative_encoders_and_fourteen_bit_are_recognised():
    assert guess_relative([1, 1, 2, 1]) == "twos-complement"
    assert guess_relative([65, 65, 66, 65]) == "binary-offset"
    assert guess_relative([1, 1, 65, 1]) == "signed-bit"
    assert guess_relative([10, 14, 18, 22]) is None
    learner = Learner()
    learner.arm("zoom")
    for _ in range(3):
        assert learner.feed(cc(16, 1)) is None
    assert learner.feed(cc(16, 1)) == {"cc": 16, "channel": 1, "relative": "twos-complement", "to": "zoom"}
    learner.arm("z1")
    results = []
    for msb, lsb in ((10, 0), (11, 64), (12, 3), (13, 9)):
        results += [learner.feed(cc(1, msb)), learner.feed(cc(33, lsb))]
    # the 4th MSB message decides, and CC 33 (= 1 + 32) has moved too: a 14-bit pair
    assert results == [None] * 6 + [{"cc14": 1, "channel": 1, "to": "z1"}, None]


def test_buttons_and_notes_learn_at_once_and_keys_are_ignored():
    learner = Learner()
    learner.arm("random")
    assert learner.feed(ControlEvent("key", "l", 1.0)) is None
    assert learner.feed(ControlEvent("note", 36, 0.0, 10)) is None  # a release
    assert learner.feed(ControlEvent("note", 36, 90.0, 10)) == {"note": 36, "channel": 10, "to": "random"}
    learner.arm("z2")
    assert learner.feed(ControlEvent("axis", "left_y", 0.7, 0)) == {"axis": "left_y", "to": "z2"}


def test_write_learned_replaces_same_target_and_keeps_header(tmp_path):
    path = tmp_path / "learned.yaml"
    path.write_text("# my board\nname: mine\ncontrols:\n  - {cc: 1, to: z1}\n  - {cc: 2, to: z2}\n")
    write_learned(path, {"cc": 9, "to": "z1"})
    text = path.read_text()
    assert text.startswith("# my board\n")
    assert [(c.cc, c.to) for c in load_mapping(path).controls] == [(2, "z2"), (9, "z1")]


class FakeMido:
    def __init__(self):
        self.callback = None

    def get_input_names(self):
        return ["Board"]

    get_output_names = get_input_names

    def open_input(self, name, callback=None):
        self.callback = callback
        return self

    def close(self):
        pass


def test_learn_in_play_writes_and_loads_the_mapping(tmp_path):
    learned = tmp_path / "learned.yaml"
    backend = FakeMido()
    actions = {}
    hub = ControlHub(osc=False, midi_in=["all"], midi_backend=backend, learn_file=learned, actions=actions)
    hub.start()
    hub.midi.scan_interval = 0
    for name, function in hub.own_actions().items():
        actions.setdefault(name, function)
    state = PerformanceState()
    actions["learn_next"]()  # z1 -> z2
    actions["learn"]()
    for value in (0, 20, 40, 60):
        backend.callback(mido.Message("control_change", control=12, value=value))
    hub.update(state, 1.0, 1 / 60)
    assert state.z[1] == 0.0  # learning does not move the target
    assert load_mapping(learned).controls[0].cc == 12
    hub.update(state, 1.1, 1 / 60)  # the new file is loaded on the next frame
    backend.callback(mido.Message("control_change", control=12, value=127))
    hub.update(state, 1.2, 1 / 60)
    assert state.z[1] == 3.0
