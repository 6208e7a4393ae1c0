"""Model files read with numpy alone: what the live process needs (the renderer's weights, the garment
latents, the learned prior) without importing torch. The same checks as model/checkpoint.py: the format,
the config, every generator tensor's name and shape against what the config builds, finite values.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from performer.model.config import ModelConfig
from performer.model.garments import TENSOR as GARMENTS
from performer.model.garments import check_garments
from performer.model.prior import MixturePrior, prior_from_tensors
from performer.safe_files import FileTooLarge, check_safetensors_header

FORMAT = "performer-model/1"


class ModelFileError(Exception):
    """A model file that cannot be used, with the file named and the reason in words."""


def generator_shapes(config: ModelConfig) -> dict[str, tuple[int, ...]]:
    """Every tensor of model/cppn.py's CPPN for this config, by state-dict name (tests hold the two equal)."""
    h, dim = config.cppn_hidden, config.latent_dim
    shapes: dict[str, tuple[int, ...]] = {"coord.weight": (h, 3), "latent.weight": (h, dim), "latent.bias": (h,)}
    for index in range(config.cppn_depth - 1):
        shapes[f"hidden.{index}.weight"], shapes[f"hidden.{index}.bias"] = (h, h), (h,)
    shapes["out.weight"], shapes["out.bias"] = (config.channels, h), (config.channels,)
    if config.latent_film:
        for name, count in (("latent_gain", config.cppn_depth), ("latent_bias", config.cppn_depth - 1)):
            for index in range(count):
                shapes[f"{name}.{index}.weight"], shapes[f"{name}.{index}.bias"] = (h, dim), (h,)
    return shapes


@dataclass(frozen=True)
class ModelArrays:
    config: ModelConfig
    generator: dict[str, np.ndarray]  # state-dict name -> float64 array
    info: dict
    garments: np.ndarray | None
    prior: MixturePrior | None


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
    generator = _generator_arrays(path, config, tensors)
    try:
        info = json.loads(metadata.get("info", "{}"))
    except json.JSONDecodeError:
        info = {}
    try:
        garments = check_garments(path, tensors[GARMENTS], config.latent_dim) if GARMENTS in tensors else None
        prior = prior_from_tensors(path, tensors, config.latent_dim)
    except ValueError as exc:
        raise ModelFileError(str(exc)) from None
    return ModelArrays(config, generator, info if isinstance(info, dict) else {}, garments, prior)


def _generator_arrays(path: Path, config: ModelConfig, tensors: dict) -> dict[str, np.ndarray]:
    expected = generator_shapes(config)
    found = {k[len("generator.") :]: v for k, v in tensors.items() if k.startswith("generator.")}
    missing, unexpected = sorted(set(expected) - set(found)), sorted(set(found) - set(expected))
    if missing or unexpected:
        raise ModelFileError(
            f"{path}: generator tensors do not match the file's config: missing {missing[:5]}, "
            f"unexpected {unexpected[:5]}"
        )
    arrays = {}
    for key, shape in expected.items():
        value = np.asarray(found[key], dtype=np.float64)
        if value.shape != shape:
            raise ModelFileError(f"{path}: generator.{key} has shape {value.shape} but the config needs {shape}")
        if not np.isfinite(value).all():
            raise ModelFileError(f"{path}: generator.{key} holds NaN or infinite values")
        arrays[key] = value
    return arrays
