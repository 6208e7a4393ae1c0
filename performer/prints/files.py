"""Print files: safetensors holding one PrintNet (any number of prints) with its config and the prints'
names as JSON in the metadata. No pickle, no code. Every problem is a PrintFileError naming the file.

read_print_header() needs no torch (the live process checks a file and learns its print names with it);
load_prints() and save_prints() import torch when called (the print worker, training).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from performer.paths import DEFAULT_PRINTS as DEFAULT_PRINTS  # the old place of a shipped path: still importable
from performer.prints.config import PrintConfig
from performer.safe_files import FILE_BOUNDS, FileTooLarge, atomic_path, check_safetensors_header, too_many

if TYPE_CHECKING:
    import torch

    from performer.prints.network import PrintNet

FORMAT = "performer-prints/1"
NAME = re.compile(r"^[A-Za-z0-9_.\- ]{1,40}$")


class PrintFileError(Exception):
    """A print file that cannot be used, with the file named and the reason in words."""


@dataclass
class LoadedPrints:
    net: PrintNet
    names: tuple[str, ...]
    info: dict = field(default_factory=dict)  # training summary: steps, time, loss network, style images
    path: Path | None = None


def save_prints(path: str | Path, net: PrintNet, names: list[str] | tuple[str, ...], info: dict | None = None) -> Path:
    """Write atomically (temp file, then rename): a crash mid-save never leaves a half file."""
    import torch
    from safetensors.torch import save_file

    path = Path(path)
    if path.suffix != ".safetensors":
        path = path.with_name(path.name + ".safetensors")
    check_names(path, list(names), net.config.prints)
    tensors = {k: v.detach().to("cpu", torch.float32).contiguous() for k, v in net.state_dict().items()}
    metadata = {
        "format": FORMAT,
        "config": json.dumps(net.config.to_dict()),
        "names": json.dumps(list(names)),
        "info": json.dumps(info or {}),
    }
    with atomic_path(path, "prints") as tmp:  # WriteError: one line, the old file kept
        save_file(tensors, str(tmp), metadata=metadata)
    return path


def check_names(path: Path, names: object, count: int) -> tuple[str, ...]:
    if not isinstance(names, list) or not all(isinstance(n, str) and NAME.match(n) for n in names):
        raise PrintFileError(f"{path}: print names must be a list of 1-40 letters, digits, '_-. ', got {names!r}")
    if len(names) != count:
        raise PrintFileError(f"{path}: {len(names)} print names for a network that holds {count} prints")
    if len(set(names)) != len(names):
        raise PrintFileError(f"{path}: print names repeat: {names}")
    return tuple(names)


@dataclass(frozen=True)
class PrintHeader:
    config: PrintConfig
    names: tuple[str, ...]
    info: dict
    tensors: tuple[str, ...]  # the names of the tensors the file holds


def read_print_header(path: str | Path) -> PrintHeader:
    """The file's format, config and print names, checked without torch and without reading a tensor (the
    worker's load_prints checks the tensors against the config); PrintFileError naming the file."""
    from safetensors import safe_open

    path = Path(path)
    if not path.is_file():
        raise PrintFileError(f"{path}: no such print file")
    bound = FILE_BOUNDS["print"]
    try:
        check_safetensors_header(path, "print")
    except (OSError, ValueError) as exc:
        raise PrintFileError(str(exc) if isinstance(exc, FileTooLarge) else f"{path}: cannot read ({exc})") from None
    try:
        with safe_open(str(path), framework="numpy") as handle:
            metadata, keys = dict(handle.metadata() or {}), tuple(handle.keys())
    except Exception as exc:  # safetensors raises its own error types for truncated or garbage files
        raise PrintFileError(f"{path}: not a readable safetensors file ({exc})") from exc
    if len(keys) > bound.max_items:
        raise PrintFileError(str(too_many(path, len(keys), bound, "print")))
    return _parse_header(path, metadata, keys)


def _parse_header(path: Path, metadata: dict[str, str], keys: tuple[str, ...]) -> PrintHeader:
    if metadata.get("format") != FORMAT:
        raise PrintFileError(f"{path}: format is {metadata.get('format')!r}, expected {FORMAT!r}")
    try:
        config = PrintConfig.from_dict(json.loads(metadata["config"]), source=str(path))
        names = json.loads(metadata["names"])
        info = json.loads(metadata.get("info", "{}"))
    except (KeyError, json.JSONDecodeError) as exc:
        raise PrintFileError(f"{path}: missing or malformed config/names JSON ({exc})") from exc
    except ValueError as exc:
        raise PrintFileError(str(exc)) from exc
    names = check_names(path, names, config.prints)
    return PrintHeader(config, names, info if isinstance(info, dict) else {}, keys)


def load_prints(path: str | Path, device: str | torch.device = "cpu") -> LoadedPrints:
    import torch

    from performer.model.checkpoint import read_safetensors
    from performer.prints.network import PrintNet

    path = Path(path)
    metadata, tensors = read_safetensors(path, FORMAT, PrintFileError, "print")
    header = _parse_header(path, metadata, tuple(tensors))
    config, names, info = header.config, header.names, header.info
    net = PrintNet(config)
    expected = net.state_dict()
    missing, unexpected = sorted(set(expected) - set(tensors)), sorted(set(tensors) - set(expected))
    if missing or unexpected:
        raise PrintFileError(
            f"{path}: tensors do not match the file's config: missing {missing[:4]}, unexpected {unexpected[:4]}"
        )
    for key, value in tensors.items():
        if tuple(value.shape) != tuple(expected[key].shape):
            raise PrintFileError(
                f"{path}: {key} has shape {tuple(value.shape)}, the config needs {tuple(expected[key].shape)}"
            )
        if not torch.isfinite(value).all():
            raise PrintFileError(f"{path}: {key} holds NaN or infinite values")
    net.load_state_dict({k: v.float() for k, v in tensors.items()})
    net.requires_grad_(False)
    return LoadedPrints(net.to(device).eval(), names, info, path)
