"""The MMD term that moves the garments' latents as a whole onto the prior (train/latent_match.py)."""

from __future__ import annotations

import itertools

import pytest
import torch

from performer.model.config import ModelConfig
from performer.train.config import TrainConfig
from performer.train.latent_match import KERNEL_SCALES, mmd
from performer.train.loop import Trainer


def kernel(a: list[float], b: list[float]) -> float:
    distance = sum((x - y) ** 2 for x, y in zip(a, b, strict=True))
    return sum(2 * len(a) * s / (2 * len(a) * s + distance) for s in KERNEL_SCALES)


def test_two_points_against_two_points_by_hand():
    a, b = [[0.0, 0.0], [1.0, 0.0]], [[0.0, 2.0], [0.0, -1.0]]
    # unbiased: within-set pairs without the diagonal (i != j), all cross pairs
    within_a = sum(kernel(p, q) for p, q in itertools.permutations(a, 2)) / 2
    within_b = sum(kernel(p, q) for p, q in itertools.permutations(b, 2)) / 2
    between = sum(kernel(p, q) for p in a for q in b) / 4
    expected = within_a + within_b - 2 * between
    assert mmd(torch.tensor(a), torch.tensor(b)).item() == pytest.approx(expected, rel=1e-5)


def test_zero_on_average_for_one_law_and_clearly_positive_for_a_shifted_one():
    torch.manual_seed(0)
    same = torch.stack([mmd(torch.randn(16, 8), torch.randn(16, 8)) for _ in range(400)])
    shifted = torch.stack([mmd(torch.randn(16, 8) + 0.8, torch.randn(16, 8)) for _ in range(400)])
    # the unbiased estimate's mean is within 4 standard errors of 0; a 0.8 offset in every latent is far off
    assert abs(same.mean().item()) < 4 * same.std().item() / 20
    assert shifted.mean().item() > 10 * shifted.std().item() / 20
    assert shifted.mean().item() > same.mean().item() + 5 * same.std().item() / 20


def test_its_gradient_moves_an_offset_cloud_towards_the_prior():
    torch.manual_seed(1)
    cloud = (torch.randn(64, 8) * 0.5 + 1.0).requires_grad_(True)
    optimiser = torch.optim.SGD([cloud], lr=5.0)
    start = cloud.mean().item()
    for _ in range(200):
        optimiser.zero_grad()
        mmd(cloud, torch.randn(64, 8)).backward()
        optimiser.step()
    assert start > 0.9 and abs(cloud.mean().item()) < 0.3
    assert 0.6 < cloud.std().item() < 1.4  # spread out towards N(0, 1)'s, from 0.5


def test_a_step_with_the_term_trains_and_the_flag_parses():
    from performer.cli import build_parser

    assert build_parser().parse_args(["train", "--mmd-weight", "200"]).mmd_weight == 200.0
    with pytest.raises(ValueError, match="mmd_weight"):
        TrainConfig(mmd_weight=-1.0)
    torch.manual_seed(2)
    real = torch.rand(8, 1, 28, 28)
    with_term = Trainer(ModelConfig(), TrainConfig(batch_size=8, mmd_weight=200.0), torch.device("cpu"))
    without = Trainer(ModelConfig(), TrainConfig(batch_size=8), torch.device("cpu"))
    # the same seed, so the same initial weights and random draws: only the term tells the two apart
    losses = [with_term.train_step(real) for _ in range(3)]
    assert all(step["mmd"] != 0.0 and abs(step["mmd"]) < 10 for step in losses)  # unbiased: may dip below 0
    assert [without.train_step(real)["mmd"] for _ in range(3)] == [0.0] * 3
    head = with_term.nets.encoder.head.weight
    assert torch.isfinite(head).all() and not torch.equal(head, without.nets.encoder.head.weight)
