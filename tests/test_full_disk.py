"""Writes on a full disk (a real one: a filled tmpfs): a snapshot, a landmark saved live, a learned mapping,
a render and a live recording each fail with one line (what, where, why), leave no partial file, keep
the file that was there, and the show goes on."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import torch
import yaml
from full_disk import full_folder

from performer.app import App
from performer.cli import main
from performer.controls.learn import write_learned
from performer.model.config import ModelConfig
from performer.model.cppn import CPPN
from performer.presets.landmarks import Landmark, load_landmarks, save_landmarks
from performer.render.cppn_renderer import CppnRenderer
from performer.render.weights import CppnWeights
from performer.render.window import HeadlessSurface
from performer.safe_files import WriteError, atomic_write_text
from performer.state import PerformanceState
from performer.walks.live import LiveShow
from performer.walks.tempo import Tempo

full = pytest.fixture(full_folder)
NO_SPACE = "No space left on device"


def error_lines(caplog) -> list[str]:
    records = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert all(r.exc_info is None for r in records)  # no traceback
    return [line for r in records for line in r.getMessage().splitlines()]


def test_an_atomic_write_that_fails_keeps_the_old_file_and_leaves_nothing_else(full):
    old = atomic_write_text(full.path / "notes.txt", "the old text\n", "notes")
    assert old.read_text() == "the old text\n" and full.names() == {"notes.txt"}
    full.fill()
    with pytest.raises(WriteError) as caught:
        atomic_write_text(old, "new text " * 10_000, "notes")
    message = str(caught.value)
    assert message == f"cannot write notes {old}: {NO_SPACE}" and caught.value.reason == NO_SPACE
    assert old.read_text() == "the old text\n"
    assert full.names() == {"notes.txt"}  # the temporary file is gone


def test_atomic_writes_get_the_usual_permissions(tmp_path):
    previous = __import__("os").umask(0o022)
    try:
        path = atomic_write_text(tmp_path / "a.yaml", "x: 1\n", "mapping")
    finally:
        __import__("os").umask(previous)
    assert path.stat().st_mode & 0o777 == 0o644  # not tempfile's 0600


@pytest.fixture(scope="module")
def surface():
    made = HeadlessSurface((48, 32))
    yield made
    made.close()


@pytest.fixture(scope="module")
def renderer(surface):
    torch.manual_seed(4)
    made = CppnRenderer(surface.ctx, CppnWeights.from_generator(CPPN(ModelConfig()).eval()), "texture")
    yield made
    made.release()


def test_a_snapshot_on_a_full_disk_says_one_line_and_the_show_goes_on(full, surface, renderer, caplog):
    app = App(surface, renderer, PerformanceState(), snapshot_dir=full.path / "snapshots", seed=1)
    assert app.run(max_frames=2) == 2
    saved = app.snapshot()
    assert saved is not None and saved.stat().st_size > 100  # the disk has room: a snapshot is written
    before = saved.read_bytes()
    full.fill()
    assert app.run(max_frames=1) == 1  # a later frame: a snapshot with a new name
    caplog.clear()
    app.keyboard.on_key("s", True, False)  # S, as the window delivers it
    assert app.last_snapshot == saved  # nothing new
    assert {p.name for p in (full.path / "snapshots").iterdir()} == {saved.name}  # no 0-byte PNG
    assert saved.read_bytes() == before
    lines = error_lines(caplog)
    assert len(lines) == 1 and lines[0].startswith("cannot write snapshot ") and lines[0].endswith(NO_SPACE)
    assert f"snapshot failed 1x: {NO_SPACE}" in app.errors[0]  # the HUD says so too
    app.state.set_z(np.full(8, 1.0))
    assert app.run(max_frames=3) == 3  # the show goes on


def test_a_landmark_saved_live_on_a_full_disk_loses_nothing(full, caplog):
    path = full.path / "landmarks.yaml"
    marks = [Landmark("coat", (0.5,) * 8), Landmark("shoe", (-0.5,) * 8)]
    save_landmarks(path, marks)
    before = path.read_bytes()
    state = PerformanceState()
    show = LiveShow(
        state, load_landmarks(path, 8), {}, Tempo(120.0), landmarks_path=path, crossfade=0.0, clock=lambda: 0.0
    )
    full.fill()
    caplog.clear()
    state.set_z(np.full(8, 1.25))
    assert show.actions()["preset_save"]() is None  # P
    assert path.read_bytes() == before and full.names() == {"landmarks.yaml"}
    lines = error_lines(caplog)
    assert lines == [f"landmark not saved: cannot write landmarks {path}: {NO_SPACE}"]
    assert [lm.name for lm in show.landmarks] == ["coat", "shoe"]
    show.actions()["preset_next"]()  # the show goes on: landmarks still recall
    show.update(state, 0.0, 0.0)
    assert state.z == pytest.approx([0.5] * 8)


def test_a_learned_mapping_on_a_full_disk_keeps_the_file(full):
    path = full.path / "learned.yaml"
    write_learned(path, {"cc": 1, "to": "z1"})
    before = path.read_bytes()
    full.fill()
    with pytest.raises(OSError) as caught:  # the hub and `performer learn` report OSError in one line
        write_learned(path, {"cc": 2, "to": "z2"})
    assert str(caught.value) == f"cannot write learned mapping {path}: {NO_SPACE}"
    assert path.read_bytes() == before and full.names() == {"learned.yaml"}
    assert yaml.safe_load(before)["controls"] == [{"cc": 1, "to": "z1"}]


def test_a_render_onto_a_full_disk_fails_in_one_line_and_leaves_no_file(full, tmp_path, random_model_file, capsys):
    if not full.real:
        pytest.skip("needs a real full file system (a tmpfs, as root): ffmpeg writes the file itself")
    walk = tmp_path / "walk.yaml"
    walk.write_text("kind: noise\nperiod: 1\n")
    full.fill()
    out = full.path / "clip.mp4"
    code = main(
        [
            "render",
            str(walk),
            "--out",
            str(out),
            "--size",
            "32x32",
            "--fps",
            "8",
            "--no-progress",
            "--model",
            str(random_model_file[0]),
            "--landmarks",
            str(tmp_path / "none.yaml"),
        ]
    )
    assert code == 1
    err = [line for line in capsys.readouterr().err.splitlines() if line.startswith("performer render")]
    assert len(err) == 1 and err[0].startswith(f"performer render: failed writing {out}: ")
    assert err[0].endswith("(nothing left behind)") and "No space left" in err[0]
    assert full.names() == set()
