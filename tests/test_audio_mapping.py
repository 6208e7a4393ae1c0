"""`audio:` in mapping files: the keys and their errors in one line each, the shipped mappings/audio.yaml,
feature ranges as input ranges, `every` on any trigger, and learn letting audio pass (it sends every frame)."""

from __future__ import annotations

import pytest

from performer.controls.events import ControlEvent
from performer.controls.hub import ControlHub
from performer.controls.mapping_schema import MappingError, load_mapping, parse_mapping
from performer.paths import MAPPING_DIR
from performer.state import PerformanceState


def one_control(text: str):
    return parse_mapping("controls:\n  - " + text + "\n").controls[0]


def test_audio_controls_and_their_ranges():
    assert one_control("{audio: level, to: z1}").input_range == (0.0, 1.0)
    assert one_control("{audio: tempo, to: zoom}").input_range == (60.0, 180.0)
    assert one_control("{audio: band2, to: z1, in: [0, 0.2]}").input_range == (0.0, 0.2)
    control = one_control("{audio: beat, to: preset_next, every: 4}")
    assert (control.source, control.number, control.every) == ("audio", "beat", 4)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("{audio: bass, to: z1}", "controls[0].audio: audio feature must be one of level, band1"),
        ("{cc: 1, to: z1, release: 0.2}", "attack and release apply to audio controls only"),
        ("{audio: level, to: z1, every: 2}", "every applies to controls that fire an action"),
        ("{audio: level, to: z1, attack: -0.1}", "controls[0].attack: Input should be greater than or equal to 0"),
        ("{audio: level, key: a, to: z1}", "give exactly one source"),
        ("{audio: beat, to: preset_next, every: 0}", "controls[0].every: Input should be greater than or equal to 1"),
    ],
)
def test_bad_audio_controls_are_one_line(text, says):
    with pytest.raises(MappingError) as error:
        parse_mapping("controls:\n  - " + text + "\n", "m.yaml")
    assert len(error.value.problems) == 1 and error.value.problems[0].startswith("m.yaml:2: ")
    assert says in error.value.problems[0]


def test_the_shipped_audio_mapping():
    mapping = load_mapping(MAPPING_DIR / "audio.yaml")
    by_feature = {(c.audio, c.to): c for c in mapping.controls}
    assert by_feature[("level", "z1")].release == 0.25
    assert by_feature[("beat", "preset_next")].every == 4
    assert ("beat", "tap_tempo") in by_feature
    assert {c.audio for c in mapping.controls} >= {"level", "band1", "band3", "band4", "onset", "beat"}


def test_every_counts_any_trigger_and_learn_lets_audio_pass(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text("controls:\n  - {note: 36, to: random, every: 3}\n  - {audio: level, to: z1, release: 0.5}\n")
    fired = []
    hub = ControlHub([path], osc=False, midi=False, actions={"random": lambda: fired.append(1)})
    state = PerformanceState()
    for press in range(7):
        hub.handle_event(ControlEvent("note", 36, 100.0, 1, "", press), state)
        hub.handle_event(ControlEvent("note", 36, 0.0, 1, "", press + 0.5), state)
    assert len(fired) == 2  # presses 3 and 6
    hub.handle_event(ControlEvent("audio", "level", 1.0, None, "", 0.0), state)
    hub.handle_event(ControlEvent("audio", "level", 0.0, None, "", 0.5), state)  # one release time later
    assert state.z[0] == pytest.approx(-3.0 + 6.0 * 0.36788, abs=1e-3)  # out -3..3: e^-1 of the way down
    hub.learning.start("z2")
    assert not hub.learning.offer(ControlEvent("audio", "level", 0.4, None, "", 1.0))
    assert hub.learning.offer(ControlEvent("cc", 7, 64.0, 1, "", 1.0))  # while a fader is still learned
