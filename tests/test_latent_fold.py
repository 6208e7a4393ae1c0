"""Folding a change of latent coordinates into a model's weights (model/latent_fold.py) changes nothing drawn."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from performer.model.config import ModelConfig
from performer.model.cppn import CPPN, Encoder, coordinate_grid
from performer.model.latent_fold import aggregate_moments, fold_latent_change


def tensors_of(generator: CPPN, encoder: Encoder) -> dict[str, np.ndarray]:
    out = {f"generator.{k}": v.numpy().copy() for k, v in generator.state_dict().items()}
    out |= {f"encoder.{k}": v.numpy().copy() for k, v in encoder.state_dict().items()}
    return out


def load(module: torch.nn.Module, tensors: dict, prefix: str) -> None:
    module.load_state_dict({k[len(prefix) :]: torch.from_numpy(v) for k, v in tensors.items() if k.startswith(prefix)})


@pytest.mark.parametrize(
    "config",
    [ModelConfig(), ModelConfig(latent_mapping=16), ModelConfig(weight_modulation=2), ModelConfig(latent_film=False)],
)
def test_the_folded_model_draws_at_z_new_what_the_old_one_drew_at_mean_plus_a_z_new(config):
    torch.manual_seed(0)
    generator, encoder = CPPN(config), Encoder(config)
    for layer in getattr(generator, "modulation_cols", []):  # not the zero start, so modulation is exercised
        torch.nn.init.normal_(layer.weight, std=0.1)
    old = tensors_of(generator, encoder)
    old["garments.latents"] = np.random.default_rng(0).normal(size=(5, 8)).astype(np.float32)
    mean, scale = np.linspace(-0.5, 0.8, 8), np.linspace(0.6, 1.2, 8)
    new = fold_latent_change(old, mean, np.diag(scale), latent_mapping=bool(config.latent_mapping))
    folded_generator, folded_encoder = CPPN(config), Encoder(config)
    load(folded_generator, new, "generator.")
    load(folded_encoder, new, "encoder.")
    z_new, coords, image = torch.randn(3, 8), coordinate_grid(7, 5, 2.0), torch.rand(2, 1, 28, 28)
    z_old = torch.from_numpy(mean).float() + z_new * torch.from_numpy(scale).float()
    with torch.no_grad():
        assert torch.allclose(folded_generator(z_new, coords), generator(z_old, coords), atol=1e-5)
        (mean_old, logvar_old), (mean_new, logvar_new) = encoder(image), folded_encoder(image)
    # the encoder's posterior, in the new coordinates: (mean - m) / s, variance / s^2
    expected_mean = (mean_old.numpy() - mean) / scale
    assert np.allclose(mean_new.numpy(), expected_mean, atol=1e-4)
    assert np.allclose(logvar_new.numpy(), logvar_old.numpy() - 2 * np.log(scale), atol=1e-4)
    assert np.allclose(new["garments.latents"], (old["garments.latents"] - mean) / scale, atol=1e-5)


def test_a_rotation_is_refused_and_the_moments_are_the_mixtures():
    with pytest.raises(ValueError, match="diagonal"):
        fold_latent_change({}, np.zeros(2), np.array([[1.0, 0.5], [0.0, 1.0]]))
    means = np.array([[0.0, 1.0], [2.0, 3.0]])
    logvars = np.log(np.array([[1.0, 4.0], [3.0, 2.0]]))
    centre, covariance = aggregate_moments(means, logvars)
    # by hand: the mean of the means; covariance = their sample covariance (n - 1) + the mean variance
    assert np.allclose(centre, [1.0, 2.0])
    assert np.allclose(covariance, [[2.0 + 2.0, 2.0], [2.0, 2.0 + 3.0]])


def test_the_recentre_command_centres_the_garments_posteriors(tmp_path):
    from performer.cli import main
    from performer.data.fashion_mnist import load_fashion_mnist
    from performer.model.checkpoint import load_model, save_model

    torch.manual_seed(3)
    config = ModelConfig()
    encoder = Encoder(config)
    with torch.no_grad():  # an encoder whose garments sit off-centre, as trained ones do
        encoder.head.bias[:8] += torch.linspace(0.3, 1.0, 8)
    save_model(tmp_path / "m.safetensors", config, CPPN(config), encoder)
    out = tmp_path / "centred.safetensors"
    assert main(["recentre", "--model", str(tmp_path / "m.safetensors"), "--out", str(out), "--count", "600"]) == 0
    images = torch.from_numpy(load_fashion_mnist("train")[0][:600].astype(np.float32) / 255).unsqueeze(1)
    with torch.no_grad():
        means, logvars = load_model(out).encoder(images)
        old_means = encoder(images)[0]
    assert old_means.mean(0).abs().min().item() > 0.2
    assert means.mean(0).abs().max().item() < 1e-4  # the aggregate's mean is now 0
    aggregate_variance = means.var(0) + logvars.exp().mean(0)  # and its variance 1 per latent
    assert torch.allclose(aggregate_variance, torch.ones(8), atol=1e-3)
