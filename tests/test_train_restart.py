"""Fine-tunes from a model file: the file's generator and encoder come back, the new critic learns alone
first, and then the generator trains."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from performer.cli import main
from performer.data.fashion_mnist import DEFAULT_DIR, load_fashion_mnist
from performer.model.config import ModelConfig
from performer.train.config import TrainConfig
from performer.train.loop import Trainer
from performer.train.restart import from_model

needs_data = pytest.mark.skipif(not DEFAULT_DIR.exists(), reason="Debian package dataset-fashion-mnist")


def same(a: torch.nn.Module, b: torch.nn.Module) -> bool:
    return all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values(), strict=True))


@needs_data
def test_fine_tune_starts_from_the_file_and_warms_the_critic_alone(tmp_path):
    images = torch.from_numpy(load_fashion_mnist("train")[0][:64].astype(np.float32) / 255.0).unsqueeze(1)
    device = torch.device("cpu")
    original = Trainer(ModelConfig(), TrainConfig(batch_size=16, adv_warmup_steps=0, ema_decay=0.9), device)
    for step in range(3):
        original.train_step(images[step * 16 : (step + 1) * 16])
    path = original.export(tmp_path / "model.safetensors")

    train = TrainConfig(batch_size=16, ema_decay=0.9, critic_warmup_steps=2, init=str(path))
    tuner = from_model(path, train, device)
    # the file holds the EMA generator: the fine-tune's live and average generators both start there
    assert same(tuner.nets.generator, original.ema) and same(tuner.ema, original.ema)
    assert same(tuner.nets.encoder, original.nets.encoder)
    assert not same(tuner.nets.generator, original.nets.generator)  # the EMA is not the live weights

    critic_before = [p.clone() for p in tuner.nets.discriminator.parameters()]
    for step in range(2):
        losses = tuner.train_step(images[step * 16 : (step + 1) * 16])
        assert set(losses) == {"disc"} and losses["disc"] > 0
    assert same(tuner.nets.generator, original.ema) and same(tuner.nets.encoder, original.nets.encoder)
    moved = [not torch.equal(a, b) for a, b in zip(critic_before, tuner.nets.discriminator.parameters(), strict=True)]
    assert any(moved)
    # after it the generator trains against the critic (the critic's warm-up replaced adv_warmup_steps' 500)
    losses = tuner.train_step(images[32:48])
    assert losses["adv"] != 0.0 and not same(tuner.nets.generator, original.ema)


def test_init_and_resume_together_is_an_error(tmp_path, capsys):
    code = main(["train", "--init", "a.safetensors", "--resume", "b.safetensors", "--out", str(tmp_path)])
    assert code == 2 and "--init" in capsys.readouterr().out


def test_critic_warmup_must_not_be_negative():
    with pytest.raises(ValueError, match="critic_warmup_steps"):
        TrainConfig(critic_warmup_steps=-1)
