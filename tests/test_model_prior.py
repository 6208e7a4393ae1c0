"""The learned prior: EM finds a known mixture, samples are finite and in bounds, files round-trip."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from performer.model.checkpoint import ModelFileError, load_model, save_model
from performer.model.config import ModelConfig
from performer.model.cppn import CPPN, Encoder
from performer.model.prior import LATENT_LIMIT, MixturePrior, fit_mixture


def two_clusters(rng, count=3000):
    """A known mixture in 8-D: 30% around -2 with sd 0.3, 70% around +1.5 with sd 0.5 (per latent)."""
    first = rng.random(count) < 0.3
    centre = np.where(first[:, None], -2.0, 1.5)
    spread = np.where(first[:, None], 0.3, 0.5)
    return centre + spread * rng.standard_normal((count, 8))


def test_em_recovers_a_known_mixture():
    prior = fit_mixture(two_clusters(np.random.default_rng(1)), components=2)
    order = np.argsort(prior.means[:, 0])
    assert prior.weights[order] == pytest.approx([0.3, 0.7], abs=0.03)
    assert prior.means[order].mean(1) == pytest.approx([-2.0, 1.5], abs=0.05)
    assert prior.scales[order].mean(1) == pytest.approx([0.3, 0.5], abs=0.03)


def test_samples_have_shape_are_finite_and_bounded():
    prior = fit_mixture(two_clusters(np.random.default_rng(2)), components=4)
    z = prior.sample(np.random.default_rng(0), 5000)
    assert z.shape == (5000, 8) and np.isfinite(z).all() and np.abs(z).max() <= LATENT_LIMIT
    # the samples sit where the data is: the mixture's density is far higher there than N(0, I)'s share
    assert 0.25 < (z[:, 0] < 0).mean() < 0.35
    far = MixturePrior(np.array([1.0]), np.full((1, 8), 3.9), np.full((1, 8), 2.0))
    assert np.abs(far.sample(np.random.default_rng(0), 1000)).max() <= LATENT_LIMIT


def test_prior_round_trips_through_a_model_file_and_bad_ones_are_refused(tmp_path):
    config = ModelConfig()
    prior = fit_mixture(two_clusters(np.random.default_rng(3)), components=3)
    extra = {k: torch.from_numpy(v) for k, v in prior.tensors().items()}
    path = save_model(tmp_path / "m.safetensors", config, CPPN(config), Encoder(config), extra=extra)
    loaded = load_model(path).prior
    assert np.allclose(loaded.means, prior.means, atol=1e-6) and np.allclose(loaded.scales, prior.scales, atol=1e-6)
    assert load_model(save_model(tmp_path / "none.safetensors", config, CPPN(config), Encoder(config))).prior is None
    extra["prior.scales"] = -extra["prior.scales"]
    bad = save_model(tmp_path / "bad.safetensors", config, CPPN(config), Encoder(config), extra=extra)
    with pytest.raises(ModelFileError, match="bad.safetensors: prior tensors hold"):
        load_model(bad)


def test_log_density_is_the_mixture_density_computed_term_by_term():
    rng = np.random.default_rng(4)
    weights = np.array([0.2, 0.5, 0.3])
    means, scales = rng.normal(0, 2, (3, 8)), rng.uniform(0.1, 1.5, (3, 8))
    prior = MixturePrior(weights, means, scales)
    z = rng.normal(0, 2, (50, 8))
    expected = []
    for point in z:
        total = 0.0
        for w, m, s in zip(weights, means, scales, strict=True):
            total += w * np.prod(np.exp(-0.5 * ((point - m) / s) ** 2) / (s * np.sqrt(2 * np.pi)))
        expected.append(np.log(total))
    assert prior.log_density(z) == pytest.approx(np.array(expected), rel=1e-9, abs=1e-9)


def test_refitting_a_files_prior_replaces_it_and_keeps_everything_else(tmp_path):
    from safetensors.numpy import load_file

    from performer.model.garments import encode_garments
    from performer.train.file_update import refit_prior

    torch.manual_seed(0)
    config = ModelConfig()
    encoder = Encoder(config)
    old = fit_mixture(two_clusters(np.random.default_rng(5)), components=3)
    extra = {k: torch.from_numpy(v) for k, v in old.tensors().items()}
    path = save_model(tmp_path / "m.safetensors", config, CPPN(config), encoder, extra=extra)
    before = load_file(str(path))
    images = torch.rand(300, 1, 28, 28)
    refit_prior(path, images, components=5)
    after, loaded = load_file(str(path)), load_model(path)
    assert sorted(after) == sorted(before)
    assert all(np.array_equal(after[k], before[k]) for k in before if not k.startswith("prior."))
    prior = loaded.prior
    assert prior.means.shape == (5, 8) and prior.weights.sum() == pytest.approx(1.0)
    # fitted to the encoder's means of those images: their mean is the mixture's
    latents = encode_garments(loaded.encoder, images, count=300).numpy()
    assert (prior.weights[:, None] * prior.means).sum(0) == pytest.approx(latents.mean(0), abs=1e-4)
