"""A folder on a file system that is really full: a tiny tmpfs mounted in the test's tmp_path and filled
with ballast (as root, where mounting works). Elsewhere ENOSPC is injected where performer.safe_files
makes its data durable (os.fsync), and `real` is False so tests that need a real full disk (ffmpeg) skip."""

from __future__ import annotations

import errno
import os
import subprocess
from pathlib import Path

import pytest


class FullFolder:
    def __init__(self, path: Path, real: bool, monkeypatch: pytest.MonkeyPatch) -> None:
        self.path, self.real, self._monkeypatch = path, real, monkeypatch

    def fill(self) -> None:
        """Use up every byte left: from here on any write that needs space fails with ENOSPC."""
        if not self.real:

            def no_space(_fd):
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

            self._monkeypatch.setattr("performer.safe_files.os.fsync", no_space)
            return
        with open(self.path / "ballast", "wb", buffering=0) as handle:  # unbuffered: close has nothing to flush
            try:
                while True:
                    handle.write(b"\0" * 65536)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
        with pytest.raises(OSError, match="No space left"):
            (self.path / "probe").write_bytes(b"x" * 4096)
        (self.path / "probe").unlink()

    def names(self) -> set[str]:
        """Files in the folder, the ballast left out."""
        return {p.name for p in self.path.iterdir()} - {"ballast"}


def full_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    path = tmp_path / "full"
    path.mkdir()
    mounted = False
    if os.geteuid() == 0:
        result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(path)], capture_output=True)
        mounted = result.returncode == 0
    try:
        yield FullFolder(path, mounted, monkeypatch)
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(path)], check=False)
