"""Print files: safetensors holding one PrintNet (any number of prints) with its config and the prints'
names as JSON in the metadata. No pickle, no code. Every problem is a PrintFileError naming the file."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import torch
from safetensors.torch import save_file

from performer.model.checkpoint import read_safetensors
from performer.paths import DEFAULT_PRINTS as DEFAULT_PRINTS  # the old place of a shipped path: still importable
from performer.prints.network import PrintConfig, PrintNet
from performer.safe_files import atomic_path

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
    path = Path(path)
    if path.suffix != ".safetensors":
        path = path.with_name(path.name + ".safetensors")
    check_names(path, list(names), net.config.prints)
    tensors = {k: v.detach().to("cpu", torch.float32).contiguous() for k, v in net.state_dict().items()}
    metadata = {"format": FORMAT, "config": json.dumps(net.config.to_dict()), "names": json.dumps(list(names)),
                "info": json.dumps(info or {})}
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


def load_prints(path: str | Path, device: str | torch.device = "cpu") -> LoadedPrints:
    path = Path(path)
    metadata, tensors = read_safetensors(path, FORMAT, PrintFileError, "print")
    try:
        config = PrintConfig.from_dict(json.loads(metadata["config"]), source=str(path))
        names = json.loads(metadata["names"])
        info = json.loads(metadata.get("info", "{}"))
    except (KeyError, json.JSONDecodeError) as exc:
        raise PrintFileError(f"{path}: missing or malformed config/names JSON ({exc})") from exc
    except ValueError as exc:
        raise PrintFileError(str(exc)) from exc
    names = check_names(path, names, config.prints)
    net = PrintNet(config)
    expected = net.state_dict()
    missing, unexpected = sorted(set(expected) - set(tensors)), sorted(set(tensors) - set(expected))
    if missing or unexpected:
        raise PrintFileError(f"{path}: tensors do not match the file's config: missing {missing[:4]}, "
                             f"unexpected {unexpected[:4]}")
    for key, value in tensors.items():
        if tuple(value.shape) != tuple(expected[key].shape):
            raise PrintFileError(f"{path}: {key} has shape {tuple(value.shape)}, the config needs "
                                 f"{tuple(expected[key].shape)}")
        if not torch.isfinite(value).all():
            raise PrintFileError(f"{path}: {key} holds NaN or infinite values")
    net.load_state_dict({k: v.float() for k, v in tensors.items()})
    net.requires_grad_(False)
    return LoadedPrints(net.to(device).eval(), names, info if isinstance(info, dict) else {}, path)
