"""Writing the garments' map (model/garment_map.py) into model files: at export, and into an existing file
whose garment latents were written before the map existed (`performer map`).

The garments are found again in the training data by encode_garments' seeded pick (garment_indices), and
the pick is checked by encoding those images again: a file whose garments do not come from this data with
this pick is refused rather than labelled wrongly.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import torch

from performer.model.arrays import ModelFileError
from performer.model.garment_map import KIND, map_tensors
from performer.model.garments import TENSOR as GARMENTS
from performer.model.garments import encode_garments, garment_indices
from performer.train.file_update import update_model_file

log = logging.getLogger(__name__)

MATCH_TOLERANCE = 1e-3  # latent units: the same encoder on the same images, up to float summation order


def export_map(
    garments: torch.Tensor, labels: np.ndarray | None, seed: int = 0, kind: str = "auto"
) -> tuple[dict, dict]:
    """(torch tensors, metadata) of the map for the garment table `garments` [N, L] picked from training
    images whose class labels (all of them, [total]) are `labels`, or None when the data has none."""
    picked = None if labels is None else np.asarray(labels)[garment_indices(len(labels), len(garments), seed).numpy()]
    arrays, meta = map_tensors(garments.numpy(), picked, seed, kind)
    return {key: torch.from_numpy(np.ascontiguousarray(value)) for key, value in arrays.items()}, meta


def add_map(path: str | Path, images: torch.Tensor, labels: np.ndarray, seed: int = 0, kind: str = "auto") -> str:
    """Add (or replace) the map of the model file at `path`, whose garments were picked from `images`
    [total, C, S, S] with `labels` [total]; every other tensor and metadata entry is kept byte for byte.
    Atomic. Returns the map's kind; ModelFileError when the file's garments are not these images'."""
    from performer.model.checkpoint import load_model

    path = Path(path)
    model = load_model(path)  # every check of a model file, and the encoder
    if model.garments is None:
        raise ModelFileError(f"{path}: has no {GARMENTS}: re-export it with the training images instead")
    if len(labels) != len(images):
        raise ModelFileError(f"{path}: {len(images)} images but {len(labels)} labels")
    again = encode_garments(model.encoder, images, count=len(model.garments), seed=seed).numpy()
    worst = float(np.abs(again - model.garments).max()) if again.shape == model.garments.shape else np.inf
    if worst > MATCH_TOLERANCE:
        raise ModelFileError(
            f"{path}: its garments are not the seeded pick of these images (differ by {worst:.3g}): "
            "the labels would be wrong"
        )
    new, meta = export_map(torch.from_numpy(model.garments), labels, seed, kind)
    update_model_file(path, {key: value.numpy() for key, value in new.items()}, meta)
    log.info("%s: map (%s) of %d garments written", path, meta[KIND], len(model.garments))
    return meta[KIND]
