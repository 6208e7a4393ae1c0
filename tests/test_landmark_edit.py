"""Edits of the landmarks file (presets/landmark_edit.py): after a rename, delete, move or append the file holds
exactly what it should (the other entries to the last digit, the model line, the comments at the top); a
refused edit or a failed write leaves the file byte for byte; the live show follows the edited file."""

from __future__ import annotations

import pytest
import yaml
from full_disk import full_folder

from performer.presets.landmark_edit import append_landmark, delete_landmark, move_landmark, rename_landmark
from performer.presets.landmarks import Landmark, LandmarkError, load_landmarks, save_landmarks
from performer.safe_files import WriteError
from performer.state import PerformanceState
from performer.walks.live import LiveShow
from performer.walks.tempo import Tempo

full = pytest.fixture(full_folder)

# Written by hand: z beyond 4 decimals (a save through Landmark would round it), an integer z, a note, a
# print, and comments at the top that are the show's operator's own.
HAND_WRITTEN = """# my show: keep this line
# and this one

model: fashion.safetensors
landmarks:
- name: boot
  z: [0.123456789, -1.0, 0.5, 0.25, 0.0, 0.0, 0.0, 1.5]
  palette: ember
  zoom: 1.25
  print_a: 3
  note: found at 3am
- name: bag
  z: [0, 0, 0, 0, 0, 0, 0, 1]
- name: dress
  z: [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]
"""


def entries(path) -> list[dict]:
    return yaml.safe_load(path.read_text())["landmarks"]


@pytest.fixture
def hand_written(tmp_path):
    path = tmp_path / "landmarks.yaml"
    path.write_text(HAND_WRITTEN)
    return path


def test_a_rename_changes_that_one_line_of_a_file_the_show_wrote(tmp_path):
    path = tmp_path / "landmarks.yaml"
    save_landmarks(path, [Landmark("boot", (0.1,) * 8, "grey", 0.85), Landmark("bag", (-0.25,) * 8)], "m.safetensors")
    before = path.read_text().splitlines()
    assert rename_landmark(path, "bag", "  night bag ") == "night bag"  # the ends' spaces dropped
    after = path.read_text().splitlines()
    assert len(after) == len(before)
    changed = [(old, new) for old, new in zip(before, after, strict=True) if old != new]
    assert changed == [("- name: bag", "- name: night bag")]


def test_a_rename_keeps_the_rest_of_a_hand_written_file(hand_written):
    original = entries(hand_written)
    rename_landmark(hand_written, "bag", "clutch")
    text = hand_written.read_text()
    assert text.startswith("# my show: keep this line\n# and this one\n\nmodel: fashion.safetensors\n")
    expected = [original[0], {**original[1], "name": "clutch"}, original[2]]
    assert entries(hand_written) == expected
    assert entries(hand_written)[0]["z"][0] == 0.123456789  # not rounded to 0.1235
    assert [lm.name for lm in load_landmarks(hand_written, 8)] == ["boot", "clutch", "dress"]


def test_delete_leaves_exactly_the_others_in_their_order(hand_written):
    original = entries(hand_written)
    delete_landmark(hand_written, "bag")
    assert entries(hand_written) == [original[0], original[2]]
    assert yaml.safe_load(hand_written.read_text())["model"] == "fashion.safetensors"
    delete_landmark(hand_written, "boot")
    delete_landmark(hand_written, "dress")
    assert entries(hand_written) == []
    assert load_landmarks(hand_written) == []


def test_move_puts_it_there_and_the_others_keep_their_order(hand_written):
    boot, bag, dress = entries(hand_written)
    assert move_landmark(hand_written, "dress", 0) == 0
    assert entries(hand_written) == [dress, boot, bag]
    assert move_landmark(hand_written, "dress", 1) == 1
    assert entries(hand_written) == [boot, dress, bag]
    assert move_landmark(hand_written, "boot", 99) == 2  # kept within the list
    assert entries(hand_written) == [dress, bag, boot]
    assert move_landmark(hand_written, "dress", -5) == 0
    assert entries(hand_written) == [dress, bag, boot]


def test_an_edit_that_changes_nothing_writes_nothing(hand_written, monkeypatch):
    writes = []
    monkeypatch.setattr("performer.presets.landmark_edit.atomic_write_text", lambda *args: writes.append(args))
    assert move_landmark(hand_written, "bag", 1) == 1
    assert rename_landmark(hand_written, "bag", "bag") == "bag"
    assert writes == []
    assert hand_written.read_text() == HAND_WRITTEN


def test_append_numbers_a_taken_name_and_keeps_the_others(hand_written):
    original = entries(hand_written)
    saved = append_landmark(hand_written, Landmark("bag", (0.33333,) * 8, "grey", 0.85, "saved live"))
    assert saved.name == "bag 2"
    after = entries(hand_written)
    assert after[:3] == original
    assert after[3] == {"name": "bag 2", "z": [0.3333] * 8, "palette": "grey", "zoom": 0.85, "note": "saved live"}
    assert hand_written.read_text().startswith("# my show: keep this line\n")


def test_append_to_a_file_not_there_yet_starts_it(tmp_path):
    path = tmp_path / "new" / "landmarks.yaml"
    append_landmark(path, Landmark("first", (0.0,) * 8))
    assert load_landmarks(path, 8) == [Landmark("first", (0.0,) * 8)]
    assert path.read_text().startswith("# Landmarks: named points of the space.")


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda p: rename_landmark(p, "bag", "dress"), "a landmark is named 'dress' already"),
        (lambda p: rename_landmark(p, "purse", "x"), "no landmark named 'purse'"),
        (lambda p: rename_landmark(p, "bag", "x" * 65), r"landmarks\[1\] \(x+\)\.name: String should have at most 64"),
        (lambda p: rename_landmark(p, "bag", "   "), r"landmarks\[1\] \(\)\.name: String should have at least 1"),
        (lambda p: delete_landmark(p, "purse"), "no landmark named 'purse'"),
        (lambda p: move_landmark(p, "purse", 0), "no landmark named 'purse'"),
    ],
)
def test_a_refused_edit_says_why_and_leaves_the_file(hand_written, edit, message):
    with pytest.raises(LandmarkError, match=message):
        edit(hand_written)
    assert hand_written.read_text() == HAND_WRITTEN


@pytest.mark.parametrize(
    "broken",
    [
        HAND_WRITTEN + "- name: boot\n  z: [0, 0, 0, 0, 0, 0, 0, 0]\n",  # a name twice
        HAND_WRITTEN + "- name: cape\n  z: [0, 0, 9, 0, 0, 0, 0, 0]\n",  # a latent out of range
        HAND_WRITTEN.replace("landmarks:", "landmarks: [\n"),  # not YAML
    ],
)
def test_a_file_the_show_could_not_load_is_never_rewritten(tmp_path, broken):
    path = tmp_path / "landmarks.yaml"
    path.write_text(broken)
    for edit in (
        lambda: rename_landmark(path, "bag", "clutch"),
        lambda: delete_landmark(path, "bag"),
        lambda: move_landmark(path, "bag", 0),
        lambda: append_landmark(path, Landmark("new", (0.0,) * 8)),
    ):
        with pytest.raises(LandmarkError, match="landmarks.yaml"):
            edit()
        assert path.read_text() == broken


def test_a_write_that_fails_on_a_full_disk_loses_nothing(full):
    path = full.path / "landmarks.yaml"
    path.write_text(HAND_WRITTEN)
    full.fill()
    for edit in (
        lambda: rename_landmark(path, "bag", "clutch"),
        lambda: delete_landmark(path, "bag"),
        lambda: move_landmark(path, "bag", 0),
        lambda: append_landmark(path, Landmark("new", (0.0,) * 8)),
    ):
        with pytest.raises(WriteError, match=f"cannot write landmarks {path}: No space left on device"):
            edit()
        assert path.read_text() == HAND_WRITTEN
        assert full.names() == {"landmarks.yaml"}  # no temporary file left beside it


def test_the_live_show_follows_the_edited_file(hand_written):
    state = PerformanceState()
    landmarks = load_landmarks(hand_written, 8)
    show = LiveShow(state, landmarks, {}, Tempo(120.0), landmarks_path=hand_written, crossfade=0.0, clock=lambda: 0)
    show.recall("bag")
    show.update(state, 0.0, 0.0)
    assert show.index == 1 and show.landmark_line() == "landmark bag (2/3)"
    morph_list = show.morph.landmarks
    move_landmark(hand_written, "bag", 0)
    assert show.reload_landmarks()
    assert [lm.name for lm in show.landmarks] == ["bag", "boot", "dress"]
    assert show.index == 0 and show.landmark_line() == "landmark bag (1/3)"
    rename_landmark(hand_written, "bag", "clutch")
    assert show.reload_landmarks(("bag", "clutch"))
    assert show.index == 0 and show.landmark_line() == "landmark clutch (1/3)"
    assert show.morph.landmarks is morph_list and morph_list[0].name == "clutch"  # the morph sees the edit
    show.recall("dress")
    delete_landmark(hand_written, "dress")
    assert show.reload_landmarks()
    assert show.index == -1 and show.landmark_line() is None
    assert [lm.name for lm in show.landmarks] == ["clutch", "boot"]
    hand_written.write_text("landmarks: [")  # broken meanwhile: the show keeps the list it has
    assert not show.reload_landmarks()
    assert [lm.name for lm in show.landmarks] == ["clutch", "boot"]
