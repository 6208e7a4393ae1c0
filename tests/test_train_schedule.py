"""The learning-rate schedule: both rates fall linearly to zero over the budget's last part, by whichever
limit ends the run first, and a real fit follows it step by step."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from performer.data.fashion_mnist import DEFAULT_DIR, load_fashion_mnist
from performer.model.config import ModelConfig
from performer.train.config import TrainConfig
from performer.train.loop import Trainer


def test_budget_is_the_limit_nearest_its_end():
    config = TrainConfig(epochs=2, max_steps=8, max_cpu_minutes=10)
    # 4 of 20 epoch steps is 0.2, 4 of 8 steps 0.5, 150 of 600 CPU-seconds 0.25: the steps are nearest
    assert config.budget_spent(4, 10, wall_seconds=1e6, cpu_seconds=150) == pytest.approx(0.5)
    assert config.budget_spent(4, 10, wall_seconds=0, cpu_seconds=450) == pytest.approx(0.75)
    assert config.budget_spent(30, 10, wall_seconds=0, cpu_seconds=0) == 1.0  # clipped
    # the wall clock only counts when it is a limit
    assert TrainConfig(epochs=1, max_minutes=2).budget_spent(0, 10, 90, 0) == pytest.approx(0.75)


def test_rates_fall_linearly_to_zero_after_the_start():
    config = TrainConfig(lr_decay_start=0.75)
    scales = [config.lr_scale(spent) for spent in (0.0, 0.5, 0.75, 0.875, 0.95, 1.0)]
    assert scales == pytest.approx([1.0, 1.0, 1.0, 0.5, 0.2, 0.0])
    assert TrainConfig().lr_scale(0.99) == 1.0  # off by default: the shipped recipe's constant rates


@pytest.mark.skipif(not DEFAULT_DIR.exists(), reason="Debian package dataset-fashion-mnist")
@pytest.mark.parametrize("decay_start", [0.0, 0.5])
def test_a_fit_steps_with_the_scheduled_rates(tmp_path, decay_start):
    images = load_fashion_mnist("train")[0][:256]
    batch = torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1)
    config = TrainConfig(
        batch_size=32, epochs=1, max_steps=8, lr_decay_start=decay_start, adv_warmup_steps=2, grid_size=2
    )
    trainer = Trainer(ModelConfig(), config, torch.device("cpu"))
    seen: list[tuple[float, float]] = []
    step = trainer.train_step

    def recording_step(real):
        seen.append((trainer.nets.opt_vae.param_groups[0]["lr"], trainer.nets.opt_disc.param_groups[0]["lr"]))
        return step(real)

    trainer.train_step = recording_step
    trainer.fit(batch, tmp_path)
    # step k runs after k of 8 steps: scale 1 up to 4/8, then (1 - k/8) / 0.5
    expected = [1.0] * 8 if decay_start == 0 else [1, 1, 1, 1, 1, 0.75, 0.5, 0.25]
    assert trainer.step == 8
    assert [vae for vae, _ in seen] == pytest.approx([1e-3 * s for s in expected])
    assert [disc for _, disc in seen] == pytest.approx([2e-4 * s for s in expected])
