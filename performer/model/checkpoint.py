"""Model files: safetensors weights with the config as JSON in the file's metadata. No pickle, no code.

One file holds the generator and encoder (what `play` and `sample` need: a few hundred KB). A training
checkpoint is the same format plus the discriminator and optimiser moments, so it also loads as a model.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from safetensors import safe_open
from safetensors.torch import save_file

from performer.model.arrays import FORMAT, ModelFileError
from performer.model.config import ModelConfig
from performer.model.cppn import CPPN, Discriminator, Encoder
from performer.model.garment_map import GarmentMap, check_garment_map
from performer.model.garments import TENSOR as GARMENTS
from performer.model.garments import check_garments
from performer.model.prior import MixturePrior, prior_from_tensors
from performer.safe_files import FILE_BOUNDS, FileTooLarge, atomic_path, check_safetensors_header, too_many

log = logging.getLogger(__name__)


@dataclass
class LoadedModel:
    config: ModelConfig
    generator: CPPN
    encoder: Encoder
    info: dict = field(default_factory=dict)  # training summary: epochs, time, data set
    path: Path | None = None
    garments: np.ndarray | None = None  # [N, latent_dim] posterior means of real garments (model/garments.py)
    prior: MixturePrior | None = None  # the learned prior over garments (model/prior.py), if the file has one
    garment_map: GarmentMap | None = None  # the garments' 2-D map and classes (model/garment_map.py)


def save_model(
    path: str | Path,
    config: ModelConfig,
    generator: CPPN,
    encoder: Encoder,
    info: dict | None = None,
    extra: dict[str, torch.Tensor] | None = None,
    extra_meta: dict[str, str] | None = None,
) -> Path:
    """Write atomically (temp file, then rename) so a crash mid-save never leaves a half file."""
    path = Path(path)
    tensors = {}
    for prefix, module in (("generator", generator), ("encoder", encoder)):
        for key, value in module.state_dict().items():
            tensors[f"{prefix}.{key}"] = value.detach().to("cpu", torch.float32).contiguous()
    for key, value in (extra or {}).items():
        tensors[key] = value.detach().cpu().contiguous()
    metadata = {"format": FORMAT, "config": json.dumps(config.to_dict()), "info": json.dumps(info or {})}
    metadata.update(extra_meta or {})
    with atomic_path(path, "model") as tmp:  # WriteError: one line, the old file kept
        save_file(tensors, str(tmp), metadata=metadata)
    return path


def read_file(path: str | Path) -> tuple[dict[str, str], dict[str, torch.Tensor]]:
    """Metadata and every tensor of a model file, or ModelFileError saying what is wrong with it."""
    return read_safetensors(path, FORMAT, ModelFileError, "model")


def read_safetensors(path: str | Path, expected_format: str, error: type[Exception], kind: str):
    """(metadata, tensors) of a safetensors file of `expected_format`; anything else raises `error`
    naming the file. Shared by model and print files ("model", "print"): the file size, header size and
    tensor count are checked against FILE_BOUNDS[kind] before any tensor is read."""
    path = Path(path)
    if not path.is_file():
        raise error(f"{path}: no such {kind} file")
    bound = FILE_BOUNDS[kind]
    try:
        check_safetensors_header(path, kind)
    except (OSError, ValueError) as exc:
        raise error(str(exc) if isinstance(exc, FileTooLarge) else f"{path}: cannot read ({exc})") from None
    try:
        with safe_open(str(path), framework="pt", device="cpu") as handle:
            metadata = dict(handle.metadata() or {})
            keys = list(handle.keys())
            if len(keys) > bound.max_items:
                raise error(str(too_many(path, len(keys), bound, kind)))
            tensors = {key: handle.get_tensor(key) for key in keys}
    except error:
        raise
    except Exception as exc:  # safetensors raises its own error types for truncated or garbage files
        raise error(f"{path}: not a readable safetensors file ({exc})") from exc
    if metadata.get("format") != expected_format:
        raise error(f"{path}: format is {metadata.get('format')!r}, expected {expected_format!r}")
    return metadata, tensors


def parse_config(path: Path, metadata: dict[str, str]) -> ModelConfig:
    try:
        raw = json.loads(metadata["config"])
    except (KeyError, json.JSONDecodeError) as exc:
        raise ModelFileError(f"{path}: missing or malformed model config JSON ({exc})") from exc
    try:
        return ModelConfig.from_dict(raw, source=str(path))
    except ValueError as exc:
        raise ModelFileError(str(exc)) from exc


def load_state(path: Path, module: torch.nn.Module, prefix: str, tensors: dict[str, torch.Tensor]) -> None:
    """Copy `prefix.*` tensors into module, checking names and shapes against what the config built."""
    expected = module.state_dict()
    found = {k[len(prefix) + 1 :]: v for k, v in tensors.items() if k.startswith(prefix + ".")}
    missing = sorted(set(expected) - set(found))
    unexpected = sorted(set(found) - set(expected))
    if missing or unexpected:
        raise ModelFileError(
            f"{path}: {prefix} tensors do not match the file's config: missing {missing[:5]}, "
            f"unexpected {unexpected[:5]}"
        )
    for key, value in found.items():
        if tuple(value.shape) != tuple(expected[key].shape):
            raise ModelFileError(
                f"{path}: {prefix}.{key} has shape {tuple(value.shape)} but the config needs "
                f"{tuple(expected[key].shape)}"
            )
        if value.is_floating_point() and not torch.isfinite(value).all():
            raise ModelFileError(f"{path}: {prefix}.{key} holds NaN or infinite values")
    module.load_state_dict(found)


def load_model(path: str | Path, device: str | torch.device = "cpu") -> LoadedModel:
    path = Path(path)
    metadata, tensors = read_file(path)
    config = parse_config(path, metadata)
    generator, encoder = CPPN(config), Encoder(config)
    load_state(path, generator, "generator", tensors)
    load_state(path, encoder, "encoder", tensors)
    try:
        info = json.loads(metadata.get("info", "{}"))
    except json.JSONDecodeError:
        info = {}
    garments = None
    try:
        if GARMENTS in tensors:
            garments = check_garments(path, tensors[GARMENTS], config.latent_dim)
        prior = prior_from_tensors(path, tensors, config.latent_dim)
        garment_map = check_garment_map(path, tensors, metadata, None if garments is None else len(garments))
    except ValueError as exc:
        raise ModelFileError(str(exc)) from None
    generator.to(device).eval()
    encoder.to(device).eval()
    return LoadedModel(config, generator, encoder, info, path, garments, prior, garment_map)


def load_discriminator(path: Path, config: ModelConfig, tensors: dict[str, torch.Tensor]) -> Discriminator:
    disc = Discriminator(config)
    load_state(path, disc, "discriminator", tensors)
    return disc
