"""Model files read with numpy alone: what the live process needs (the renderer's weights, the garment
latents, the learned prior) without importing torch. The same checks as model/checkpoint.py: the format,
the config, every generator and encoder tensor's name and shape against what the config builds, finite values.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from performer.model.config import ModelConfig
from performer.model.garment_map import GarmentMap, check_garment_map
from performer.model.garments import TENSOR as GARMENTS
from performer.model.garments import check_garments
from performer.model.prior import MixturePrior, prior_from_tensors
from performer.safe_files import FileTooLarge, check_safetensors_header

FORMAT = "performer-model/1"


class ModelFileError(Exception):
    """A model file that cannot be used, with the file named and the reason in words."""


def generator_shapes(config: ModelConfig) -> dict[str, tuple[int, ...]]:
    """Every tensor of model/cppn.py's CPPN for this config, by state-dict name (tests hold the two equal)."""
    h, dim = config.cppn_hidden, config.latent_code_dim  # the per-frame terms read m (with a mapping) or z
    shapes: dict[str, tuple[int, ...]] = {"coord.weight": (h, 3), "latent.weight": (h, dim), "latent.bias": (h,)}
    if config.latent_mapping:
        shapes["mapping.weight"] = (config.latent_mapping, config.latent_dim)
        shapes["mapping.bias"] = (config.latent_mapping,)
    for index in range(config.cppn_depth - 1):
        shapes[f"hidden.{index}.weight"], shapes[f"hidden.{index}.bias"] = (h, h), (h,)
    shapes["out.weight"], shapes["out.bias"] = (config.channels, h), (config.channels,)
    if config.latent_film:
        for name, count in (("latent_gain", config.cppn_depth), ("latent_bias", config.cppn_depth - 1)):
            for index in range(count):
                shapes[f"{name}.{index}.weight"], shapes[f"{name}.{index}.bias"] = (h, dim), (h,)
    rank = config.weight_modulation
    for name in ("modulation_rows", "modulation_cols") if rank else ():
        for index in range(config.cppn_depth - 1):
            shapes[f"{name}.{index}.weight"], shapes[f"{name}.{index}.bias"] = (h * rank, dim), (h * rank,)
    return shapes


def encoder_shapes(config: ModelConfig) -> dict[str, tuple[int, ...]]:
    """Every tensor of model/cppn.py's Encoder for this config, by state-dict name (tests hold the two equal)."""
    w, channels = config.encoder_width, config.channels
    convolutions = ((0, w, channels, 4), (2, 2 * w, w, 4), (4, 4 * w, 2 * w, 3))  # index in `features`
    shapes: dict[str, tuple[int, ...]] = {}
    for index, out, into, kernel in convolutions:
        shapes[f"features.{index}.weight"], shapes[f"features.{index}.bias"] = (out, into, kernel, kernel), (out,)
    shapes["head.weight"], shapes["head.bias"] = (2 * config.latent_dim, 4 * w * 16), (2 * config.latent_dim,)
    return shapes


@dataclass(frozen=True)
class ModelArrays:
    config: ModelConfig
    generator: dict[str, np.ndarray]  # state-dict name -> float64 array
    info: dict
    garments: np.ndarray | None
    prior: MixturePrior | None
    encoder: dict[str, np.ndarray] | None = None  # state-dict name -> float64; None: the file has no encoder
    garment_map: GarmentMap | None = None  # the garments' 2-D map and classes (model/garment_map.py)


def read_model_arrays(path: str | Path) -> ModelArrays:
    """The model file as numpy, or ModelFileError naming the file and what is wrong."""
    from safetensors import safe_open

    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"{path}: no such model file")
    try:
        check_safetensors_header(path, "model")
        with safe_open(str(path), framework="numpy") as handle:
            metadata = dict(handle.metadata() or {})
            tensors = {key: handle.get_tensor(key) for key in handle.keys()}
    except FileTooLarge as exc:
        raise ModelFileError(str(exc)) from None
    except Exception as exc:  # safetensors raises its own error types for truncated or garbage files
        raise ModelFileError(f"{path}: not a readable safetensors file ({exc})") from exc
    if metadata.get("format") != FORMAT:
        raise ModelFileError(f"{path}: format is {metadata.get('format')!r}, expected {FORMAT!r}")
    try:
        config = ModelConfig.from_dict(json.loads(metadata["config"]), source=str(path))
    except (KeyError, json.JSONDecodeError) as exc:
        raise ModelFileError(f"{path}: missing or malformed model config JSON ({exc})") from exc
    except ValueError as exc:
        raise ModelFileError(str(exc)) from None
    generator = _part_arrays(path, "generator", generator_shapes(config), tensors)
    has_encoder = any(key.startswith("encoder.") for key in tensors)
    encoder = _part_arrays(path, "encoder", encoder_shapes(config), tensors) if has_encoder else None
    try:
        info = json.loads(metadata.get("info", "{}"))
    except json.JSONDecodeError:
        info = {}
    try:
        garments = check_garments(path, tensors[GARMENTS], config.latent_dim) if GARMENTS in tensors else None
        prior = prior_from_tensors(path, tensors, config.latent_dim)
        garment_map = check_garment_map(path, tensors, metadata, None if garments is None else len(garments))
    except ValueError as exc:
        raise ModelFileError(str(exc)) from None
    info = info if isinstance(info, dict) else {}
    return ModelArrays(config, generator, info, garments, prior, encoder, garment_map)


def _part_arrays(path: Path, part: str, expected: dict[str, tuple[int, ...]], tensors: dict) -> dict[str, np.ndarray]:
    """The `part.*` tensors ("generator", "encoder") as float64, each checked against the config's shape."""
    found = {k[len(part) + 1 :]: v for k, v in tensors.items() if k.startswith(part + ".")}
    missing, unexpected = sorted(set(expected) - set(found)), sorted(set(found) - set(expected))
    if missing or unexpected:
        raise ModelFileError(
            f"{path}: {part} tensors do not match the file's config: missing {missing[:5]}, unexpected {unexpected[:5]}"
        )
    arrays = {}
    for key, shape in expected.items():
        value = np.asarray(found[key], dtype=np.float64)
        if value.shape != shape:
            raise ModelFileError(f"{path}: {part}.{key} has shape {value.shape} but the config needs {shape}")
        if not np.isfinite(value).all():
            raise ModelFileError(f"{path}: {part}.{key} holds NaN or infinite values")
        arrays[key] = value
    return arrays
