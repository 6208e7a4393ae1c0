"""A learned prior: a mixture of diagonal Gaussians fitted to where real garments sit in the latent space.

The VAE's encoder does not fill N(0, I): its means sit off-centre and leave regions no garment uses, so a
sample from N(0, I) often decodes to something between garments. A mixture fitted (by EM) to the encoder's
means of real training images puts new samples where garments are, while still being new points, not the
garments themselves. Sampling is numpy only and costs nothing per pixel: the live app calls it.
Stored in the model file as prior.weights [K], prior.means [K, L], prior.scales [K, L] (float32).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from performer.state import LATENT_LIMIT

TENSORS = ("prior.weights", "prior.means", "prior.scales")
# Chosen by measurement on the shipped model (README, "The learned prior"): 16 components sit 11.9x the
# floor from real garments, 64 at 9.8x, 256 at 9.5x (R's own jumps: 9.8x) while its samples stay further
# from every training garment than R's; past that the gain stops and components hold ever fewer garments.
COMPONENTS = 256
FIT_COUNT = 20000  # training images whose posterior means the prior is fitted to
MIN_SCALE = 0.05  # no component collapses onto a single garment


@dataclass(frozen=True)
class MixturePrior:
    weights: np.ndarray  # [K], sums to 1
    means: np.ndarray  # [K, L]
    scales: np.ndarray  # [K, L] standard deviations

    def sample(self, rng: np.random.Generator, count: int) -> np.ndarray:
        """[count, L] float64 latents within the state's limits."""
        picked = rng.choice(len(self.weights), size=count, p=self.weights)
        z = self.means[picked] + self.scales[picked] * rng.standard_normal((count, self.means.shape[1]))
        return np.clip(z, -LATENT_LIMIT, LATENT_LIMIT)

    def log_density(self, z: np.ndarray) -> np.ndarray:
        """[N] log p(z) under the mixture."""
        return _log_sum_exp(_component_log_density(z, self), axis=1)

    def tensors(self) -> dict[str, np.ndarray]:
        values = (self.weights, self.means, self.scales)
        return {name: value.astype(np.float32) for name, value in zip(TENSORS, values, strict=True)}


def fit_mixture(
    latents: np.ndarray, components: int = COMPONENTS, iterations: int = 200, seed: int = 0
) -> MixturePrior:
    """EM for a diagonal Gaussian mixture on latents [N, L], started from randomly picked points."""
    data = np.asarray(latents, np.float64)
    count, dim = data.shape
    components = max(1, min(components, count))
    rng = np.random.default_rng(seed)
    prior = MixturePrior(
        np.full(components, 1.0 / components),
        data[rng.choice(count, components, replace=False)],
        np.tile(data.std(0) + MIN_SCALE, (components, 1)),
    )
    previous = -np.inf
    for _ in range(iterations):
        joint = _component_log_density(data, prior)  # [N, K]
        total = _log_sum_exp(joint, axis=1)
        resp = np.exp(joint - total[:, None])  # E-step: responsibilities
        mass = resp.sum(0) + 1e-9
        means = (resp.T @ data) / mass[:, None]
        var = (resp.T @ data**2) / mass[:, None] - means**2
        prior = MixturePrior(mass / mass.sum(), means, np.sqrt(np.clip(var, MIN_SCALE**2, None)))
        likelihood = total.mean()
        if likelihood - previous < 1e-6:
            break
        previous = likelihood
    return prior


def fit_to_encoder(encoder, images, count: int = FIT_COUNT, components: int = COMPONENTS) -> MixturePrior:
    """The learned prior of a model: fitted to the posterior means of `count` of its training images."""
    from performer.model.garments import encode_garments

    return fit_mixture(encode_garments(encoder, images, count=count).numpy(), components)


def prior_from_tensors(path, tensors: dict, latent_dim: int) -> MixturePrior | None:
    """The file's prior, or None when it has none; ValueError naming the file when it is malformed."""
    if not all(name in tensors for name in TENSORS):
        return None
    weights, means, scales = (_as_numpy(tensors[name]) for name in TENSORS)
    k = weights.shape[0] if weights.ndim == 1 else -1
    if k < 1 or means.shape != (k, latent_dim) or scales.shape != (k, latent_dim):
        raise ValueError(
            f"{path}: prior tensors have shapes {weights.shape}, {means.shape}, {scales.shape}; "
            f"expected (K,), (K, {latent_dim}), (K, {latent_dim})"
        )
    if not all(np.isfinite(t).all() for t in (weights, means, scales)) or (scales <= 0).any() or (weights < 0).any():
        raise ValueError(f"{path}: prior tensors hold NaN, infinite, negative or zero values")
    return MixturePrior(weights / weights.sum(), means, scales)


def _as_numpy(value) -> np.ndarray:
    """float64 numpy from a numpy array or a torch tensor (the file is read either way)."""
    return (value.float().numpy() if hasattr(value, "detach") else np.asarray(value)).astype(np.float64)


def _component_log_density(z: np.ndarray, prior: MixturePrior) -> np.ndarray:
    # sum_l ((z - m) / s)^2 expanded into three matrix products: no [N, K, L] array, so EM over 20,000
    # latents and hundreds of components takes seconds
    precision = 1.0 / prior.scales**2  # [K, L]
    squared = (z**2) @ precision.T - 2.0 * z @ (prior.means * precision).T + (prior.means**2 * precision).sum(1)
    log_norm = -np.log(prior.scales).sum(1) - 0.5 * z.shape[1] * np.log(2 * np.pi)  # [K]
    return np.log(prior.weights)[None] + log_norm[None] - 0.5 * np.maximum(squared, 0.0)


def _log_sum_exp(values: np.ndarray, axis: int) -> np.ndarray:
    peak = values.max(axis=axis, keepdims=True)
    return (peak + np.log(np.exp(values - peak).sum(axis=axis, keepdims=True))).squeeze(axis)
