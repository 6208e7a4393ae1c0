"""File safety for everything the show reads and writes.

Writes are atomic: the data goes to a temporary file in the same folder, is fsynced, then renamed over the
target, so a full disk, a crash or a power cut leaves either the old file or the new one, never half of
one. A failed write removes its temporary file and raises WriteError, one line: what, where, why.

Reads are bounded: a file above its kind's size bound is refused from its size alone, before any of it is
read or parsed (FileTooLarge, one line naming the file and the bound). Only regular files are read, so a
FIFO or a device named as a walk cannot block the show. Parsed YAML is also bounded in element count
(`check_elements`), which an alias bomb within the size bound would otherwise get past.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

KB, MB = 1024, 1024 * 1024


@dataclass(frozen=True)
class FileBound:
    max_bytes: int
    max_items: int  # of the file's main list: `items`
    items: str
    max_values: int = 0  # YAML: values in all (check_elements); safetensors: bytes of the JSON header


# Sized so the largest allowed file loads in about half a second on this busy 2-core machine (PyYAML
# resolves every scalar in Python even with libyaml: ~250-500 KB/s), with room far beyond anything made
# by hand or by the show (the shipped files are 0.2-3 KB). Landmarks are re-read when P saves one, and a
# mapping when it is edited, both on the render thread.
FILE_BOUNDS: dict[str, FileBound] = {
    "walk": FileBound(128 * KB, 2048, "keyframes", 100_000),
    "landmarks": FileBound(128 * KB, 1000, "landmarks", 100_000),
    "mapping": FileBound(32 * KB, 512, "controls"),  # parsed in pure Python for line numbers: smaller
    "model": FileBound(256 * MB, 1024, "tensors", 1 * MB),
    "print": FileBound(64 * MB, 1024, "tensors", 1 * MB),
    # a song for `render --audio` / `play --audio-file`: an hour (a DJ set) of 24-bit stereo WAV fits in the bytes
    "audio": FileBound(2048 * MB, 3600, "seconds"),
}


class WriteError(OSError):
    """A write that failed; str() is one line: what, where, why (`reason` alone: the why). The target file
    is as it was."""

    def __init__(self, message: str, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason or message


class FileTooLarge(ValueError):
    """A file over its size or element bound; str() names the file and the bound."""


def human_bytes(count: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if count < 1024 or unit == "GB":
            return f"{count:.0f} {unit}" if unit == "bytes" or count == int(count) else f"{count:.1f} {unit}"
        count /= 1024
    raise AssertionError("unreachable")


def _reason(exc: BaseException) -> str:
    return exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc) or type(exc).__name__


# ---- writes ---------------------------------------------------------------------------------------------


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable; some file systems cannot open a folder, which only costs durability."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _remove_quietly(path: Path) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def _create_temporary(path: Path, prefix: str, suffix: str) -> tuple[int, Path]:
    """A new file beside `path`, opened for writing, with the permissions a plain open() would give it
    (tempfile.mkstemp's are 0600: a snapshot or a video would be unreadable to everyone else)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for _ in range(100):
        tmp = path.parent / f"{prefix}{secrets.token_hex(4)}{suffix}"
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name beside {path}")


@contextlib.contextmanager
def atomic_path(path: str | Path, what: str) -> Iterator[Path]:
    """A temporary path beside `path` for a writer that wants a file name (safetensors, ffmpeg); it keeps
    the extension, so a tool that picks its format from the name still does. On a clean exit the file is
    fsynced and renamed to `path`; on any exception it is removed and the exception goes on (OSError
    becomes WriteError)."""
    path = Path(path)
    try:
        fd, tmp = _create_temporary(path, f".{path.stem}.", f".partial{path.suffix}")
        os.close(fd)
    except OSError as exc:
        raise WriteError(f"cannot write {what} {path}: {_reason(exc)}", _reason(exc)) from exc
    try:
        yield tmp
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        _remove_quietly(tmp)
        if isinstance(exc, WriteError):
            raise
        raise WriteError(f"cannot write {what} {path}: {_reason(exc)}", _reason(exc)) from exc
    except BaseException:
        _remove_quietly(tmp)
        raise
    _fsync_folder(path.parent)


def atomic_write_bytes(path: str | Path, data: bytes, what: str) -> Path:
    """Write `data` to `path` atomically; WriteError (one line: what, where, why) leaves `path` as it was."""
    path = Path(path)
    tmp: Path | None = None
    try:
        fd, tmp = _create_temporary(path, f".{path.name}.", ".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        if tmp is not None:
            _remove_quietly(tmp)
        raise WriteError(f"cannot write {what} {path}: {_reason(exc)}", _reason(exc)) from exc
    _fsync_folder(path.parent)
    return path


def atomic_write_text(path: str | Path, text: str, what: str) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"), what)


# ---- reads ----------------------------------------------------------------------------------------------


def check_file_size(path: str | Path, max_bytes: int, kind: str) -> int:
    """The size of a regular file, or FileTooLarge if it is over `max_bytes` (OSError if it cannot be
    looked at, ValueError for something that is not a regular file)."""
    info = os.stat(path)
    if not stat.S_ISREG(info.st_mode):
        raise ValueError(f"{path}: not a regular file")
    _refuse_oversize(path, info.st_size, max_bytes, kind)
    return info.st_size


def _refuse_oversize(path: str | Path, size: int, max_bytes: int, kind: str) -> None:
    if size > max_bytes:
        raise FileTooLarge(f"{path}: {human_bytes(size)}; a {kind} file may be at most {human_bytes(max_bytes)}")


def read_bounded(path: str | Path, max_bytes: int, kind: str) -> bytes:
    """The bytes of a regular file of at most `max_bytes`. Opened without blocking (a FIFO is refused, not
    waited on); the size is checked on the open file, and no more than the bound is ever read, so a file
    that grows meanwhile is refused too."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ValueError(f"{path}: not a regular file")
        _refuse_oversize(path, info.st_size, max_bytes, kind)
        chunks, total = [], 0
        while total <= max_bytes:
            chunk = os.read(fd, min(max_bytes + 1 - total, MB))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    finally:
        os.close(fd)
    _refuse_oversize(path, total, max_bytes, kind)
    return b"".join(chunks)


def read_bounded_text(path: str | Path, max_bytes: int, kind: str) -> str:
    """UTF-8 text of a file of at most `max_bytes`; UnicodeDecodeError (a ValueError) for other bytes."""
    return read_bounded(path, max_bytes, kind).decode("utf-8")


def check_elements(data: object, max_elements: int, path: str | Path, kind: str) -> int:
    """The number of values in parsed YAML (every list item, mapping key and value, counted again each
    time an alias repeats it), or FileTooLarge as soon as it passes `max_elements`. Stops at the bound, so
    it costs O(max_elements) however large the alias expansion would be."""
    count, stack = 0, [data]
    while stack:
        item = stack.pop()
        count += 1
        if count > max_elements:
            raise FileTooLarge(
                f"{path}: more than {max_elements:,} values; a {kind} file may hold at most {max_elements:,}"
            )
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return count


def too_many(path: str | Path, count: int, bound: FileBound, kind: str) -> FileTooLarge:
    return FileTooLarge(f"{path}: {count:,} {bound.items}; a {kind} file may hold at most {bound.max_items:,}")


def check_safetensors_header(path: str | Path, kind: str) -> None:
    """Size and header bounds of a safetensors file, checked from its first 8 bytes (the header length)
    before the library parses anything."""
    bound = FILE_BOUNDS[kind]
    size = check_file_size(path, bound.max_bytes, kind)
    with open(path, "rb") as handle:
        head = handle.read(8)
    if len(head) == 8:
        (header_bytes,) = struct.unpack("<Q", head)
        # A header longer than the file is garbage, not large: the safetensors reader says so in its words.
        if bound.max_values < header_bytes <= size - 8:
            raise FileTooLarge(
                f"{path}: a {human_bytes(header_bytes)} header; a {kind} file's header may be at "
                f"most {human_bytes(bound.max_values)}"
            )
