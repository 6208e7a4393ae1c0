"""Rewriting parts of an existing model file (the map: train/map_export.py; the learned prior: here) and
keeping the rest byte for byte: every other tensor and metadata entry as it was, the file's permissions
kept, the write atomic."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from performer.model.prior import MixturePrior, fit_to_encoder
from performer.safe_files import atomic_path

log = logging.getLogger(__name__)


def update_model_file(path: Path, tensors: dict[str, np.ndarray], metadata: dict[str, str] | None = None) -> None:
    """Add or replace `tensors` (and `metadata` entries) in the safetensors file at `path`."""
    from safetensors import safe_open
    from safetensors.numpy import save_file

    with safe_open(str(path), framework="numpy") as handle:
        kept_metadata = dict(handle.metadata() or {})
        kept = {key: handle.get_tensor(key) for key in handle.keys()}
    kept.update({key: np.ascontiguousarray(value) for key, value in tensors.items()})
    kept_metadata.update(metadata or {})
    mode = path.stat().st_mode & 0o777
    with atomic_path(path, "model") as tmp:
        save_file(kept, str(tmp), metadata=kept_metadata)
        tmp.chmod(mode)  # the temporary file is private; the model file stays as readable as it was


def refit_prior(path: str | Path, images, components: int) -> MixturePrior:
    """Replace the learned prior of the model file at `path` by one of `components` fitted to its encoder's
    means of `images` (its training images), as export does; everything else in the file is kept."""
    from performer.model.checkpoint import load_model

    path = Path(path)
    prior = fit_to_encoder(load_model(path).encoder, images, components=components)
    update_model_file(path, prior.tensors())
    log.debug("%s: learned prior of %d components written", path, len(prior.weights))
    return prior
