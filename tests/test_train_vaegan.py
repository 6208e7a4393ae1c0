"""VAE-GAN training terms: the critic judging reconstructions, and the EMA generator that is exported."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from performer.data.fashion_mnist import DEFAULT_DIR, load_fashion_mnist
from performer.model.checkpoint import load_model
from performer.model.config import ModelConfig
from performer.train.config import TrainConfig
from performer.train.loop import Trainer

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
