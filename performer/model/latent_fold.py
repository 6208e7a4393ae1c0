"""A change of latent coordinates folded into a model file's weights: z_old = mean + A z_new, exactly.

Every layer that reads z is affine in it (the FiLM gains and biases, layer 0's latent bias, the mapping or
modulation layers when there are), so W z_old + b = (W A) z_new + (W mean + b) changes nothing a garment
looks like; only where N(0, I) falls moves. With A = the square root of the garments' aggregate posterior
covariance and `mean` its mean, Shift+R's N(0, I) jump lands on those moments instead of off-centre (the
encoder's garments sit about 0.8 from 0 in one latent). Measured on the shipped model (README, "Quality,
measured"): the prior is far worse so (13.9 -> 28.9x the floor with the mean alone, 33.0x with the scales
too): the critic has made N(0, I) itself good, not the aggregate posterior's moments.
"""

from __future__ import annotations

import numpy as np

from performer.model.garments import TENSOR as GARMENTS
from performer.model.prior import TENSORS as PRIOR_TENSORS

# The layers that read z itself; with a mapping network only the mapping does (the rest read tanh of it).
DIRECT_READERS = ("generator.latent", "generator.modulation_")
MAPPED_READERS = ("generator.mapping.",)


def aggregate_moments(means: np.ndarray, logvars: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean [L] and covariance [L, L] of the mixture of the posteriors N(mean_i, diag(exp(logvar_i)))."""
    means = np.asarray(means, np.float64)
    return means.mean(0), np.cov(means.T) + np.diag(np.exp(np.asarray(logvars, np.float64)).mean(0))


def fold_latent_change(
    tensors: dict[str, np.ndarray], mean: np.ndarray, transform: np.ndarray, latent_mapping: bool = False
) -> dict:
    """A copy of a model file's tensors (numpy, float32) in the coordinates z_new = A^-1 (z_old - mean),
    A = `transform` [L, L] invertible. The encoder's means, the garment table and the learned prior's
    means move with it; the encoder's log-variances and the prior's scales are exact for a diagonal A only
    (a rotation would make them full covariances), so a non-diagonal A is refused."""
    mean, transform = np.asarray(mean, np.float64), np.asarray(transform, np.float64)
    if not np.allclose(transform, np.diag(np.diag(transform))) or (np.diag(transform) <= 0).any():
        raise ValueError("the latent change must be a positive diagonal scale (posteriors are diagonal)")
    scale, readers = np.diag(transform), MAPPED_READERS if latent_mapping else DIRECT_READERS
    out = dict(tensors)
    for key, weight in tensors.items():
        if key.startswith(readers) and key.endswith(".weight"):
            bias_key = key[: -len("weight")] + "bias"
            out[bias_key] = (weight.astype(np.float64) @ mean + tensors[bias_key]).astype(np.float32)
            out[key] = (weight.astype(np.float64) * scale).astype(np.float32)
    dim = len(mean)
    weight, bias = tensors["encoder.head.weight"].astype(np.float64), tensors["encoder.head.bias"].astype(np.float64)
    weight[:dim], bias[:dim] = weight[:dim] / scale[:, None], (bias[:dim] - mean) / scale
    bias[dim:] -= 2.0 * np.log(scale)  # log-variances: var_new = var_old / scale^2
    out["encoder.head.weight"], out["encoder.head.bias"] = weight.astype(np.float32), bias.astype(np.float32)
    if GARMENTS in tensors:
        out[GARMENTS] = ((tensors[GARMENTS] - mean) / scale).astype(np.float32)
    if all(name in tensors for name in PRIOR_TENSORS):
        _, means, scales = PRIOR_TENSORS
        out[means] = ((tensors[means] - mean) / scale).astype(np.float32)
        out[scales] = (tensors[scales] / scale).astype(np.float32)
    return out
