"""Every file the show reads has a size bound and an element bound (performer.safe_files.FILE_BOUNDS): an
oversized walk, landmarks, mapping, model or print file is refused in well under a second, with one line
naming the file and the bound, through the loaders the show and the commands use."""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections import Counter

import pytest
import torch
from safetensors.torch import save_file

from performer.cli import main
from performer.controls.mapping_files import MappingFiles
from performer.model.checkpoint import ModelFileError, load_model
from performer.presets.landmarks import LandmarkError, load_landmarks
from performer.prints.files import PrintFileError, load_prints
from performer.safe_files import FILE_BOUNDS, FileTooLarge, read_bounded
from performer.state import PerformanceState
from performer.walks.live import LiveShow
from performer.walks.schema import WalkError, load_walk

KEYFRAME = "  - {z: [0.1, -0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8], duration: 1}\n"


def timed(function, *args):
    started = time.perf_counter()
    try:
        function(*args)
    except Exception as exc:  # noqa: BLE001 - the caller checks which
        return exc, time.perf_counter() - started
    raise AssertionError(f"{function.__name__} accepted the file")


def sparse(path, size: int):
    """A file of `size` bytes that takes no disk space (and no time) to make."""
    with open(path, "wb") as handle:
        handle.truncate(size)
    return path


def test_a_walk_of_30_thousand_keyframes_is_refused_at_once(tmp_path, caplog):
    walk = tmp_path / "walks" / "huge.yaml"
    walk.parent.mkdir()
    walk.write_text("kind: keyframes\nkeyframes:\n" + KEYFRAME * 30_000)  # ~10 s to parse, before
    error, seconds = timed(load_walk, walk, [], 8)
    assert isinstance(error, WalkError) and seconds < 1.0
    assert str(error) == f"{walk}: 1.8 MB; a walk file may be at most 128 KB"  # 27 + 30,000 * 64 bytes
    # at the show's start: logged in one line, skipped, the other walks load
    (walk.parent / "fine.yaml").write_text("kind: keyframes\nkeyframes:\n" + KEYFRAME * 3)
    started = time.perf_counter()
    show = LiveShow.build(PerformanceState(), 8, landmarks_path=tmp_path / "none.yaml", walk_dir=walk.parent)
    assert time.perf_counter() - started < 1.0
    assert list(show.player.walks) == ["fine"]
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == [f"skipping walk: {error}"]


def test_a_walk_within_the_size_but_over_the_keyframe_bound_is_refused(tmp_path):
    walk = tmp_path / "aliases.yaml"  # 5,000 keyframes in 20 KB: each a 5-byte alias of the first
    walk.write_text(
        "kind: keyframes\nkeyframes:\n  - &k {z: [0, 0, 0, 0, 0, 0, 0, 0], duration: 1}\n" + "  - *k\n" * 4999
    )
    assert walk.stat().st_size < FILE_BOUNDS["walk"].max_bytes
    error, seconds = timed(load_walk, walk, [], 8)
    assert isinstance(error, WalkError) and seconds < 1.0
    assert str(error) == f"{walk}: 5,000 keyframes; a walk file may hold at most 2,048"


def test_an_alias_bomb_is_refused_by_its_value_count(tmp_path):
    lines = ["a0: &a0 [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]"]
    for level in range(1, 9):  # 10^9 values once expanded, in 700 bytes
        lines.append(f"a{level}: &a{level} [{', '.join([f'*a{level - 1}'] * 10)}]")
    path = tmp_path / "landmarks.yaml"
    path.write_text("\n".join(lines) + "\nlandmarks: *a8\n")
    error, seconds = timed(load_landmarks, path, 8)
    assert isinstance(error, LandmarkError) and seconds < 1.0
    assert str(error) == f"{path}: more than 100,000 values; a landmarks file may hold at most 100,000"


def test_landmarks_over_either_bound_are_refused(tmp_path):
    entry = "- {name: n%d, z: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8], note: a landmark with a note}\n"
    big = tmp_path / "big.yaml"
    big.write_text("landmarks:\n" + "".join(entry % i for i in range(4000)))
    error, seconds = timed(load_landmarks, big, 8)
    assert isinstance(error, LandmarkError) and seconds < 1.0
    assert str(error).startswith(f"{big}: ") and str(error).endswith("; a landmarks file may be at most 128 KB")
    many = tmp_path / "many.yaml"
    many.write_text("landmarks:\n" + "".join(f"- {{name: n{i}, z: [0, 0, 0, 0, 0, 0, 0, 0]}}\n" for i in range(1001)))
    error, seconds = timed(load_landmarks, many, 8)
    assert str(error) == f"{many}: 1,001 landmarks; a landmarks file may hold at most 1,000" and seconds < 1.0


def test_a_mapping_over_either_bound_is_refused_and_the_hub_goes_on(tmp_path):
    errors: dict[str, str] = {}
    files = MappingFiles(8, errors, Counter())
    big = tmp_path / "big.yaml"
    big.write_text("controls:\n" + "  - {cc: 1, to: z1, smoothing: 0.05}  # a comment to pad the line\n" * 2000)
    many = tmp_path / "many.yaml"
    many.write_text("controls:\n" + "".join(f"  - {{cc: {i % 128}, to: z1}}\n" for i in range(600)))
    started = time.perf_counter()
    files.load_or_note(big)
    files.load_or_note(many)
    assert time.perf_counter() - started < 1.0
    assert errors[str(big)] == f"{big}: 128.9 KB; a mapping file may be at most 32 KB"  # 10 + 2,000 * 66 bytes
    assert errors[str(many)] == f"{many}: 600 controls; a mapping file may hold at most 512"
    assert files.mappings == []


def test_a_model_file_over_its_bounds_is_refused_before_it_is_read(tmp_path, random_model_file, capsys):
    huge = sparse(tmp_path / "huge.safetensors", 300 * 1024 * 1024)
    error, seconds = timed(load_model, huge)
    assert isinstance(error, ModelFileError) and seconds < 1.0
    assert str(error) == f"{huge}: 300 MB; a model file may be at most 256 MB"
    header = tmp_path / "header.safetensors"  # a 2 MB JSON header, within the file
    with open(header, "wb") as handle:
        handle.write((2 * 1024 * 1024).to_bytes(8, "little") + b" " * (2 * 1024 * 1024))
    error, seconds = timed(load_model, header)
    assert str(error) == f"{header}: a 2 MB header; a model file's header may be at most 1 MB" and seconds < 1.0
    many = tmp_path / "many.safetensors"
    save_file({f"t{i}": torch.zeros(1) for i in range(1025)}, str(many), metadata={"format": "performer-model/1"})
    error, seconds = timed(load_model, many)
    assert str(error) == f"{many}: 1,025 tensors; a model file may hold at most 1,024" and seconds < 1.0
    # the command line: one line, exit status 2, before any GL or video work
    walk = tmp_path / "walk.yaml"
    walk.write_text("kind: noise\n")
    started = time.perf_counter()
    assert main(["render", str(walk), "--out", str(tmp_path / "x.mp4"), "--model", str(huge), "--no-progress"]) == 2
    assert time.perf_counter() - started < 1.0
    assert capsys.readouterr().err == f"performer render: {huge}: 300 MB; a model file may be at most 256 MB\n"
    assert not (tmp_path / "x.mp4").exists()


def test_a_print_file_over_its_bound_is_refused(tmp_path):
    huge = sparse(tmp_path / "prints.safetensors", 65 * 1024 * 1024)
    error, seconds = timed(load_prints, huge)
    assert isinstance(error, PrintFileError) and seconds < 1.0
    assert str(error) == f"{huge}: 65 MB; a print file may be at most 64 MB"


def test_a_fifo_or_a_growing_file_never_blocks_or_overruns_a_read(tmp_path):
    fifo = tmp_path / "walk.yaml"
    os.mkfifo(fifo)  # nobody writes to it: a blocking open would wait for ever
    outcome: list[Exception] = []
    reader = threading.Thread(target=lambda: outcome.append(timed(load_walk, fifo, [], 8)[0]), daemon=True)
    reader.start()
    reader.join(timeout=2.0)
    assert not reader.is_alive() and str(outcome[0]) == f"{fifo}: not a regular file"
    with pytest.raises(FileTooLarge, match="a walk file may be at most 10 bytes"):
        read_bounded(sparse(tmp_path / "eleven", 11), 10, "walk")
    assert read_bounded(sparse(tmp_path / "ten", 10), 10, "walk") == b"\0" * 10


def test_the_bounds_leave_room_for_every_shipped_file():
    from performer.paths import DEFAULT_MODEL
    from performer.presets.landmarks import DEFAULT_LANDMARKS
    from performer.prints.files import DEFAULT_PRINTS
    from performer.walks.schema import WALK_DIR

    root = DEFAULT_LANDMARKS.parents[1]
    for kind, paths in {
        "walk": WALK_DIR.glob("*.yaml"),
        "landmarks": [DEFAULT_LANDMARKS],
        "mapping": (root / "mappings").glob("*.yaml"),
        "model": [DEFAULT_MODEL],
        "print": [DEFAULT_PRINTS],
    }.items():
        for path in paths:
            assert path.stat().st_size * 8 < FILE_BOUNDS[kind].max_bytes, path
    assert len(load_landmarks(DEFAULT_LANDMARKS)) * 20 < FILE_BOUNDS["landmarks"].max_items
    assert json.loads(json.dumps({k: vars(v) for k, v in FILE_BOUNDS.items()}))  # a plain table, for doctor
