"""Where the jumps land, numpy only (the live app, the design canvas): the three ways to a new place in the
space, each falling back to the next when the model file lacks what it needs.

  invent      a sample of the learned prior (model/prior.py): where garments are, yet none of them
  garment     a real garment's latent moved a little (model/garments.py): R
  anywhere    N(0, I), the Explorer's hyperspace jump: Shift+R
Measured on the shipped model (README, "The learned prior"): invent and garment are equally close to real
garments (9.5x and 9.8x the floor), anywhere is further (14.8x).
"""

from __future__ import annotations

import numpy as np

from performer.model.garments import garment_jumps
from performer.state import LATENT_LIMIT


def anywhere(rng: np.random.Generator, dim: int) -> np.ndarray:
    return np.clip(rng.standard_normal(dim), -LATENT_LIMIT, LATENT_LIMIT)


def garment(garments: np.ndarray | None, rng: np.random.Generator, dim: int) -> np.ndarray:
    if garments is None or len(garments) == 0:
        return anywhere(rng, dim)
    return garment_jumps(garments, rng, 1)[0]


def invent(prior, garments: np.ndarray | None, rng: np.random.Generator, dim: int) -> np.ndarray:
    if prior is None:
        return garment(garments, rng, dim)
    return prior.sample(rng, 1)[0]
