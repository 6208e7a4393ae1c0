"""Edits of the landmarks file (the operator's Landmarks panel, the P key): append, rename, delete, move.

Each edit re-reads the file as it is on disk now (another save may have happened since the show loaded it),
finds its landmark by name (names are unique in a file), changes that entry alone and writes the file whole
through performer.safe_files (a temporary file, then a rename): a failed write leaves the old file, and a
file that does not read cleanly is refused (LandmarkError) and never rewritten.

The rest of the file stays as it was: the model line, every other entry as the YAML holds it (its z to the
last digit: entries are not re-made from Landmark, which rounds z to 4 decimals) and the comment lines at
the top. Comments further down are not kept (PyYAML drops them).
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import yaml
from pydantic import ValidationError

from performer.presets.landmarks import (
    HEADER,
    Landmark,
    LandmarkError,
    LandmarkFile,
    describe_error,
    read_yaml,
    unique_name,
)
from performer.safe_files import FILE_BOUNDS, atomic_write_text, read_bounded_text

log = logging.getLogger(__name__)


def append_landmark(path: str | Path, landmark: Landmark) -> Landmark:
    """Add `landmark` at the end (a taken name gets a number: "boot 2"); returns it as saved."""
    header, document = _read(Path(path))
    entries = document.setdefault("landmarks", [])
    saved = dataclasses.replace(landmark, name=unique_name(landmark.name, {entry["name"] for entry in entries}))
    entries.append(saved.entry())
    _write(Path(path), header, document)
    log.info("saved landmark %r to %s", saved.name, path)
    return saved


def rename_landmark(path: str | Path, name: str, new_name: str) -> str:
    """Give landmark `name` the name `new_name` (spaces at the ends dropped); returns the new name.
    LandmarkError when there is no such landmark or another one has that name already."""
    header, document = _read(Path(path))
    entries = document.get("landmarks", [])
    entry = entries[_position(path, entries, name)]
    new_name = new_name.strip()
    if new_name == name:
        return name
    if any(other["name"] == new_name for other in entries):
        raise LandmarkError(f"{path}: a landmark is named {new_name!r} already")
    entry["name"] = new_name
    _write(Path(path), header, document)
    log.info("renamed landmark %r to %r in %s", name, new_name, path)
    return new_name


def delete_landmark(path: str | Path, name: str) -> None:
    header, document = _read(Path(path))
    entries = document.get("landmarks", [])
    del entries[_position(path, entries, name)]
    _write(Path(path), header, document)
    log.info("deleted landmark %r from %s", name, path)


def move_landmark(path: str | Path, name: str, to: int) -> int:
    """Put landmark `name` at position `to` (kept within the list), the others keeping their order; returns
    where it is now. Nothing is written when it is there already."""
    header, document = _read(Path(path))
    entries = document.get("landmarks", [])
    where = _position(path, entries, name)
    to = min(max(int(to), 0), len(entries) - 1)
    if to == where:
        return where
    entries.insert(to, entries.pop(where))
    _write(Path(path), header, document)
    log.info("moved landmark %r from %d to %d in %s", name, where, to, path)
    return to


def _position(path, entries: list[dict], name: str) -> int:
    for index, entry in enumerate(entries):
        if entry["name"] == name:
            return index
    raise LandmarkError(f"{path}: no landmark named {name!r}")


def _read(path: Path) -> tuple[str, dict]:
    """(the comment lines at the top, the document) of the file; a file not there yet is empty, with the
    usual header. LandmarkError for a file the show could not load."""
    if not path.exists():
        return HEADER, {}
    data = read_yaml(path, LandmarkError, "landmarks")  # bounded, as the show reads it
    document = {} if data is None else data
    _check(path, document)
    bound = FILE_BOUNDS["landmarks"]
    return _leading_comments(read_bounded_text(path, bound.max_bytes, "landmarks")), document


def _check(path: Path, document: object) -> None:
    """What presets/landmarks.read_landmarks checks: the schema, and every name once."""
    try:
        parsed = LandmarkFile.model_validate(document)
    except ValidationError as exc:
        raise LandmarkError(describe_error(path, exc, document)) from None
    names = [entry.name for entry in parsed.landmarks]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise LandmarkError(f"{path}: landmarks: duplicate names {duplicates}")


def _leading_comments(text: str) -> str:
    lines = []
    for line in text.splitlines(keepends=True):
        if line.strip() and not line.lstrip().startswith("#"):
            break
        lines.append(line if line.endswith("\n") else line + "\n")
    return "".join(lines)


def _write(path: Path, header: str, document: dict) -> None:
    """The edited document, checked as a load checks it (an edit never writes a file the show would refuse:
    a name too long, say), then written atomically (WriteError, one line, leaves the old file)."""
    _check(path, document)
    text = header + yaml.safe_dump(document, sort_keys=False, default_flow_style=None, width=120)
    atomic_write_text(path, text, "landmarks")
