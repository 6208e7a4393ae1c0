"""Mapping files: validation names file, line and key; shipped mappings load; hot reload keeps the last good."""

import os
from pathlib import Path

import mido
import pytest

from performer.controls.hub import ControlHub
from performer.controls.mapping_schema import MappingError, load_mapping, parse_mapping
from performer.sources.midi import midi_event
from performer.state import PerformanceState

MAPPINGS = Path(__file__).resolve().parents[1] / "mappings"


def problems(text: str) -> list[str]:
    with pytest.raises(MappingError) as info:
        parse_mapping(text, "m.yaml")
    return info.value.problems


def test_unknown_key_names_file_line_key():
    text = "name: x\ncontrols:\n  - cc: 3\n    to: z1\n    colour: red\n"
    assert problems(text) == ["m.yaml:5: controls[0].colour: unknown key"]


def test_wrong_type_and_out_of_range():
    text = "controls:\n  - cc: 300\n    to: z1\n  - cc: 4\n    to: z2\n    channel: '1'\n    smoothing: -1\n"
    got = sorted(problems(text))
    assert got == [
        "m.yaml:2: controls[0].cc: Input should be less than or equal to 127 (got 300)",
        "m.yaml:6: controls[1].channel: Input should be a valid integer (got '1')",
        "m.yaml:7: controls[1].smoothing: Input should be greater than or equal to 0 (got -1)",
    ]


def test_unknown_target_and_bad_curve_and_nan():
    assert problems("controls:\n  - osc: /a\n    to: z9\n") == [
        "m.yaml:3: controls[0].to: latent target must be z1..z8, got 'z9'"
    ]
    assert (
        "m.yaml:4: controls[0].curve: Input should be 'linear'"
        in problems("controls:\n  - cc: 1\n    to: zoom\n    curve: expo\n")[0]
    )
    assert problems("controls:\n  - cc: 1\n    to: zoom\n    smoothing: .nan\n")[0].startswith(
        "m.yaml:4: controls[0].smoothing: Input should be a finite number"
    )


def test_source_rules():
    assert "exactly one source" in problems("controls:\n  - to: z1\n")[0]
    assert "exactly one source" in problems("controls:\n  - {cc: 1, note: 2, to: z1}\n")[0]
    assert "relative encodings apply to 'cc'" in problems("controls:\n  - {note: 1, relative: signed-bit, to: z1}\n")[0]
    assert problems("controls:\n  - {cc: 1, to: z1, in: [5, 5]}\n")[0].startswith("m.yaml:2: controls[0].in:")


def test_yaml_errors_and_duplicates_have_lines():
    assert problems("controls:\n  - cc: 1\n    to: z1\n    to: z2\n") == ["m.yaml:4: YAML: duplicate key 'to'"]
    assert problems("a: [1,\n")[0].startswith("m.yaml:2: YAML:")
    assert problems("") == ["m.yaml:1: the file is empty"]
    assert problems("!!python/object:os.system x\n")[0].startswith("m.yaml:1: YAML:")  # safe loading only


def test_valid_file_defaults_apply():
    mapping = parse_mapping("defaults: {takeover: pickup, smoothing: 0.2}\ncontrols:\n  - {cc: 3, to: z1}\n", "m")
    control = mapping.controls[0]
    assert control.option("takeover", mapping.defaults) == "pickup"
    assert control.option("smoothing", mapping.defaults) == 0.2
    assert control.option("curve", mapping.defaults) == "linear"
    assert control.input_range == (0, 127)


@pytest.mark.parametrize("name", ["nanokontrol2", "midimix", "touchosc", "gamepad", "keyboard", "osc"])
def test_shipped_mappings_load_and_have_a_header(name):
    path = MAPPINGS / f"{name}.yaml"
    assert path.read_text().startswith("# ")
    load_mapping(path)


def test_nanokontrol_faders_are_cc_0_to_7_on_the_latents():
    mapping = load_mapping(MAPPINGS / "nanokontrol2.yaml")
    faders = {c.cc: c.to for c in mapping.controls if c.cc is not None and c.cc < 8}
    assert faders == {i: f"z{i + 1}" for i in range(8)}
    knobs = [c.cc for c in mapping.controls if c.cc is not None and 16 <= c.cc <= 23]
    assert knobs == list(range(16, 24))


def bump(path: Path, text: str, step: int) -> None:
    path.write_text(text)
    stamp = 1_700_000_000_000_000_000 + step * 1_000_000_000
    os.utime(path, ns=(stamp, stamp))


def test_hot_reload_keeps_previous_mapping_on_error(tmp_path):
    path = tmp_path / "board.yaml"
    bump(path, "controls:\n  - {cc: 0, to: z1, in: [0, 100], out: [0, 1]}\n", 0)
    hub = ControlHub([path], osc=False, midi=False)
    state = PerformanceState()

    def cc(number, value):
        hub.handle_event(midi_event(mido.Message("control_change", control=number, value=value)), state)

    cc(0, 50)
    assert state.z[0] == pytest.approx(0.5)

    bump(path, "controls:\n  - {cc: 0, to: z1, curve: wobbly}\n", 1)
    assert not hub.check_reload()
    assert hub.errors[str(path)].startswith(f"{path}:2: controls[0].curve:")
    assert hub.error_lines()[0].startswith("mapping error: ")
    cc(0, 25)
    assert state.z[0] == pytest.approx(0.25)  # the previous mapping still runs

    bump(path, "controls:\n  - {cc: 1, to: z1, in: [0, 100], out: [0, 1]}\n", 2)
    assert hub.check_reload()
    assert str(path) not in hub.errors
    cc(0, 90)
    assert state.z[0] == pytest.approx(0.25)  # CC 0 no longer mapped
    cc(1, 90)
    assert state.z[0] == pytest.approx(0.9)
