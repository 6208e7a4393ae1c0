"""Garment latents: where real garments of the training data sit in the latent space (their posterior means).

A random jump (R) lands on one of these, slightly moved, so it shows a garment: the prior N(0, I) has
regions the encoder never uses, and prior samples decode to recognisable items less often (measured on
the default model with `performer bench-quality`'s classifier: 28% confident from the prior against 52%
from posterior means of training images). Shift+R keeps the prior jump: the Explorer's hyperspace jump.
Stored in the model file as `garments.latents` [N, latent_dim] float32, written at export.
"""

from __future__ import annotations

import numpy as np

from performer.state import LATENT_LIMIT

TENSOR = "garments.latents"
COUNT = 2000
NOISE = 0.15  # how far a jump moves from the garment it picks (latent units): a new variation each time


def garment_jumps(garments: np.ndarray, rng: np.random.Generator, count: int) -> np.ndarray:
    """[count, L] random jumps: a garment latent each, moved by N(0, NOISE) noise, within the state's limits.
    Numpy only: the live app calls this."""
    picked = garments[rng.integers(len(garments), size=count)]
    return np.clip(picked + rng.normal(0.0, NOISE, picked.shape), -LATENT_LIMIT, LATENT_LIMIT)


def encode_garments(encoder, images, count: int = COUNT, seed: int = 0, batch: int = 500):
    """Posterior means of `count` images [N, C, S, S] drawn without replacement (all if fewer): a float32
    tensor [N, L]."""
    import torch

    picked = garment_indices(images.shape[0], count, seed)
    device = next(encoder.parameters()).device
    was_training = encoder.training
    encoder.eval()
    with torch.no_grad():
        means = [encoder(images[index].to(device))[0].float().cpu() for index in picked.split(batch)]
    encoder.train(was_training)
    return torch.cat(means).contiguous()


def garment_indices(total: int, count: int = COUNT, seed: int = 0):
    """Which of `total` images encode_garments picks (a torch int64 tensor, in table order): seeded, so the
    garments of a model file can be found again in its training data (their labels, `performer map`)."""
    import torch

    generator = torch.Generator().manual_seed(seed)
    return torch.randperm(total, generator=generator)[: min(count, total)]


def check_garments(path, latents, latent_dim: int) -> np.ndarray:
    """The table (a tensor from the model file) as float32 numpy, or ValueError saying what is wrong."""
    table = latents.float().numpy().copy() if hasattr(latents, "numpy") else np.asarray(latents, np.float32)
    if table.ndim != 2 or table.shape[1] != latent_dim or table.shape[0] < 1:
        raise ValueError(f"{path}: {TENSOR} has shape {tuple(table.shape)}, expected (N, {latent_dim})")
    if not np.isfinite(table).all():
        raise ValueError(f"{path}: {TENSOR} holds NaN or infinite values")
    return table
