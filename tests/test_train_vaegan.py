"""VAE-GAN training terms: the critic judging reconstructions, and the EMA generator that is exported."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from performer.data.fashion_mnist import DEFAULT_DIR, load_fashion_mnist
from performer.model.checkpoint import load_model
from performer.model.config import ModelConfig
from performer.train.config import TrainConfig
from performer.train.loop import Trainer
from performer.train.nets import feature_distance

pytestmark = pytest.mark.skipif(not DEFAULT_DIR.exists(), reason="Debian package dataset-fashion-mnist")


@pytest.fixture(scope="module")
def tiny_slice() -> torch.Tensor:
    images, _ = load_fashion_mnist("train")
    return torch.from_numpy(images[:128].astype(np.float32) / 255.0).unsqueeze(1)


def test_critic_on_reconstructions_pushes_the_generator(tiny_slice):
    config = TrainConfig(batch_size=32, adv_warmup_steps=0, recon_adv_weight=30.0)
    trainer = Trainer(ModelConfig(), config, torch.device("cpu"))
    for step in range(4):
        losses = trainer.train_step(tiny_slice[step * 32 : (step + 1) * 32])
    assert losses["recon_adv"] != 0.0 and np.isfinite(losses["recon_adv"])
    # with the weight at 0 the term is neither computed nor reported
    plain = Trainer(ModelConfig(), TrainConfig(batch_size=32, adv_warmup_steps=0), torch.device("cpu"))
    assert plain.train_step(tiny_slice[:32])["recon_adv"] == 0.0


def test_ema_is_a_moving_average_and_is_what_ships(tiny_slice, tmp_path):
    decay = 0.9
    config = TrainConfig(batch_size=32, epochs=1, adv_warmup_steps=100, ema_decay=decay, grid_size=2)
    trainer = Trainer(ModelConfig(), config, torch.device("cpu"))
    start = {k: v.clone() for k, v in trainer.nets.generator.state_dict().items()}
    trainer.train_step(tiny_slice[:32])
    live = trainer.nets.generator.state_dict()
    # one step: ema = decay * start + (1 - decay) * live, worked out here independently of lerp_
    for key, value in trainer.ema.state_dict().items():
        expected = decay * start[key] + (1 - decay) * live[key]
        assert torch.allclose(value, expected, atol=1e-6), key
    assert not torch.equal(trainer.ema.state_dict()["out.weight"], live["out.weight"])

    trainer.fit(tiny_slice[:64], tmp_path)  # 2 more steps, writes the checkpoint with the average
    exported = load_model(trainer.export(tmp_path / "model.safetensors"))
    for key, value in exported.generator.state_dict().items():
        assert torch.equal(value, trainer.ema.state_dict()[key]), key
    resumed = Trainer.resume(tmp_path / "checkpoint.safetensors", config, torch.device("cpu"))
    for key, value in resumed.ema.state_dict().items():
        assert torch.equal(value, trainer.ema.state_dict()[key]), key


def test_feature_reconstruction_is_the_critics_feature_distance(tiny_slice):
    config = TrainConfig(batch_size=32, adv_warmup_steps=0, recon_adv_weight=30.0, feature_recon_weight=2.0)
    trainer = Trainer(ModelConfig(), config, torch.device("cpu"))
    critic, batch = trainer.nets.discriminator, tiny_slice[:32]
    blank = torch.full_like(batch, 0.5)
    critic.eval()  # spectral norm's power iteration would move the weights between the calls compared
    with torch.no_grad():
        # the third convolution's activations, layer by layer: conv, leaky ReLU (slope 0.2), three times
        expected_features = batch
        for index in range(0, 6, 2):
            expected_features = critic.net[index](expected_features)
            expected_features = torch.where(expected_features > 0, expected_features, 0.2 * expected_features)
        assert torch.allclose(critic.features(batch), expected_features, atol=1e-6)
        distance = feature_distance(critic, batch, blank).item()
        by_hand = ((critic.features(blank) - expected_features) ** 2).sum().item() / 32
    assert distance == pytest.approx(by_hand, rel=1e-5) and distance > 0
    assert feature_distance(critic, batch, batch.clone()).item() == 0.0
    critic.train()

    # the term reaches the generator: same seed and batch, with and without it, the steps part ways
    plain = Trainer(ModelConfig(), dataclasses.replace(config, feature_recon_weight=0.0), torch.device("cpu"))
    torch.manual_seed(5)
    with_term = trainer.train_step(batch)
    torch.manual_seed(5)
    without = plain.train_step(batch)
    assert with_term["feature"] > 0.0 and without["feature"] == 0.0
    assert with_term["recon"] == pytest.approx(without["recon"], rel=1e-6)  # same noise, same images
    # (gradients, not weights: Adam's first step is lr * sign(gradient) wherever the gradient is not tiny)
    pushed, unpushed = trainer.nets.generator.out.weight.grad, plain.nets.generator.out.weight.grad
    assert (pushed - unpushed).abs().max().item() > 1e-3 * unpushed.abs().max().item()
