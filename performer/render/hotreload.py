"""Hot reload: a watchdog thread notes which files in shaders/ changed; the render thread recompiles them.

GL calls must stay on the thread that owns the context, so the observer only records names and poll()
(called once per frame) does the compiling.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from performer.render.program import ReloadableProgram, ShaderError

log = logging.getLogger(__name__)


class _Changes(FileSystemEventHandler):
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.names: set[str] = set()

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.is_directory or event.event_type not in ("modified", "created", "moved", "closed"):
            return
        # Editors save by writing a temp file and renaming it over the shader: the destination counts.
        path = getattr(event, "dest_path", "") or event.src_path
        if isinstance(path, bytes):
            path = path.decode()
        if path.endswith(".glsl"):
            with self.lock:
                self.names.add(Path(path).stem)

    def take(self) -> set[str]:
        with self.lock:
            names, self.names = self.names, set()
        return names


class ShaderReloader:
    """Watches the directory of `programs` and recompiles a program when its file changes."""

    def __init__(self, programs: Iterable[ReloadableProgram], watch: bool = True) -> None:
        self.programs = list(programs)
        self.changes = _Changes()
        self.observer: Observer | None = None
        directories = {p.directory.resolve() for p in self.programs}
        if watch and directories:
            self.observer = Observer()
            for directory in directories:
                self.observer.schedule(self.changes, str(directory), recursive=False)
            self.observer.daemon = True
            self.observer.start()
            log.info("watching %s for shader edits", ", ".join(str(d) for d in sorted(directories)))

    def mark_changed(self, name: str) -> None:
        """As if shaders/NAME.glsl had been saved (for tests and a manual reload key)."""
        with self.changes.lock:
            self.changes.names.add(name)

    def poll(self) -> list[str]:
        """Recompile the programs whose files changed since the last call; returns their names."""
        names = self.changes.take()
        reloaded = []
        for program in self.programs:
            if program.name in names:
                program.reload()
                reloaded.append(program.name)
        return reloaded

    @property
    def errors(self) -> list[ShaderError]:
        return [p.error for p in self.programs if p.error is not None]

    def stop(self) -> None:
        if self.observer is not None:
            self.observer.stop()
            self.observer.join(timeout=2.0)
            self.observer = None
