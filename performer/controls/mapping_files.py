"""The mapping files a hub watches: loaded at start, reloaded when their modification time or size changes.
A broken file keeps its previous mapping running; its error stays in `errors` (path -> message) until fixed."""

from __future__ import annotations

import logging
import os
from collections import Counter
from pathlib import Path

from performer.controls.mapping_schema import MappingError, MappingFile, load_mapping

log = logging.getLogger(__name__)


def file_stamp(path: Path) -> tuple | None:
    """(mtime_ns, size), or None for a missing or unreadable file."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size)


class MappingFiles:
    """path -> (stamp, mapping or None), in load order. `errors` and `stats` are the hub's."""

    def __init__(self, latent_dim: int, errors: dict[str, str], stats: Counter) -> None:
        self.latent_dim = latent_dim
        self.errors = errors
        self.stats = stats
        self.files: dict[Path, tuple[tuple | None, MappingFile | None]] = {}

    def __contains__(self, path: Path) -> bool:
        return path in self.files

    def items(self):
        """(path, mapping or None) in load order."""
        return [(path, mapping) for path, (_, mapping) in self.files.items()]

    @property
    def mappings(self) -> list[MappingFile]:
        return [m for _, m in self.files.values() if m is not None]

    def load(self, path: Path) -> None:
        """Load a file now; a MappingError goes to the caller (at startup the caller reports it)."""
        self.files[path] = (file_stamp(path), load_mapping(path, self.latent_dim))

    def load_or_note(self, path: Path) -> None:
        """Load a file now; a broken one is watched with its error noted."""
        try:
            mapping = load_mapping(path, self.latent_dim)
            self.files[path] = (file_stamp(path), mapping)
        except MappingError as exc:
            self.files[path] = (file_stamp(path), None)
            self.errors[str(path)] = str(exc)
            log.error("%s", exc)

    def watch(self, path: Path) -> None:
        """Watch a file not loaded yet (it is read on the next `reload_changed`)."""
        if path not in self.files:
            self.files[path] = (None, None)

    def reload_changed(self) -> bool:
        """Reload the files whose modification time or size changed; True if a mapping changed."""
        changed = False
        for path, (stamp, previous) in list(self.files.items()):
            now_stamp = file_stamp(path)
            if now_stamp == stamp:
                continue
            try:
                mapping = load_mapping(path, self.latent_dim)
            except MappingError as exc:
                message = str(exc)
                if self.errors.get(str(path)) != message:
                    log.error("%s\n(keeping the previous mapping of %s)", message, path.name)
                self.errors[str(path)] = message
                self.stats["mapping_errors"] += 1
                self.files[path] = (now_stamp, previous)
                continue
            self.errors.pop(str(path), None)
            self.files[path] = (now_stamp, mapping)
            log.info("reloaded %s (%d controls)", path, len(mapping.controls))
            self.stats["mapping_reloads"] += 1
            changed = True
        return changed
