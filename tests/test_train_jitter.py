"""Sub-pixel jitter: the shifted coordinates and the resampled targets agree with a hand-worked bilinear
shift, and a jittered training step runs."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from performer.model.config import ModelConfig
from performer.model.cppn import coordinate_grid
from performer.train import jitter
from performer.train.config import TrainConfig
from performer.train.loop import Trainer


def fixed_rand(values):
    return lambda *shape: torch.tensor(values, dtype=torch.float32)


def test_no_shift_is_the_training_grid_and_the_image_itself(monkeypatch):
    real = torch.rand(3, 1, 8, 8)
    monkeypatch.setattr(jitter.torch, "rand", fixed_rand([0.5, 0.5]))  # jitter's only random draw
    coords, target = jitter.jittered_view(real, coord_scale=2.0)
    assert torch.allclose(coords, coordinate_grid(8, 8, 2.0), atol=1e-6)
    assert torch.allclose(target, real, atol=1e-6)


def test_half_a_pixel_right_and_a_quarter_up_is_the_bilinear_blend(monkeypatch):
    # rand 1.0 -> +0.5 pixel in x; rand 0.25 -> -0.25 pixel in y (y grows downwards: a quarter pixel up)
    size = 6
    real = torch.rand(2, 1, size, size)
    monkeypatch.setattr(jitter.torch, "rand", fixed_rand([1.0, 0.25]))
    coords, target = jitter.jittered_view(real, coord_scale=3.0)
    plain = coordinate_grid(size, size, 3.0)
    pixel = 3.0 * 2.0 / size  # one pixel in scaled coordinates
    assert torch.allclose(coords[:, 0] - plain[:, 0], torch.full((size * size,), 0.5 * pixel), atol=1e-5)
    assert torch.allclose(coords[:, 1] - plain[:, 1], torch.full((size * size,), -0.25 * pixel), atol=1e-5)
    assert torch.allclose(coords[:, 2], coords[:, :2].norm(dim=1), atol=1e-5)  # r of the shifted point
    # by hand: sample (row i - 0.25, column j + 0.5) with zeros outside the image
    padded = np.zeros((2, size + 2, size + 2))
    padded[:, 1:-1, 1:-1] = real[:, 0].numpy()
    expected = np.zeros((2, size, size))
    for i in range(size):
        for j in range(size):
            # rows i-1 and i (weights 0.25, 0.75), columns j and j+1 (0.5 each); +1 for the padding
            rows = padded[:, i, j + 1 : j + 3] * 0.25 + padded[:, i + 1, j + 1 : j + 3] * 0.75
            expected[:, i, j] = rows.mean(axis=1)
    assert np.allclose(target[:, 0].numpy(), expected, atol=1e-5)


def test_a_jittered_step_trains_and_the_flag_parses():
    from performer.cli import build_parser

    parser = build_parser()
    assert parser.parse_args(["train", "--subpixel-jitter"]).subpixel_jitter is True
    assert parser.parse_args(["train", "--no-subpixel-jitter"]).subpixel_jitter is False
    assert parser.parse_args(["train"]).subpixel_jitter is None  # the config's default then
    config = TrainConfig(batch_size=4, adv_warmup_steps=0, recon_adv_weight=30.0, subpixel_jitter=True)
    trainer = Trainer(ModelConfig(), config, torch.device("cpu"))
    before = trainer.nets.generator.coord.weight.clone()
    losses = trainer.train_step(torch.rand(4, 1, 28, 28))
    assert all(np.isfinite(v) for v in losses.values()) and losses["disc"] > 0
    assert not torch.equal(before, trainer.nets.generator.coord.weight)
    assert trainer.coords.shape == (784, 3)  # the unjittered grid is kept for samples


@pytest.mark.parametrize("flag", ["--subpixel-jitter=yes"])
def test_a_bool_flag_takes_no_value(flag, capsys):
    from performer.cli import build_parser

    with pytest.raises(SystemExit):
        build_parser().parse_args(["train", flag])


def test_a_quarter_pixel_reach_halves_the_shift(monkeypatch):
    real = torch.rand(1, 1, 8, 8)
    monkeypatch.setattr(jitter.torch, "rand", fixed_rand([1.0, 0.0]))  # the furthest offset right and up
    coords, _ = jitter.jittered_view(real, 2.0, reach=0.25)
    pixel = 2.0 * 2.0 / 8
    shift = coords[:, :2] - coordinate_grid(8, 8, 2.0)[:, :2]
    assert torch.allclose(shift, torch.tensor([0.25 * pixel, -0.25 * pixel]).expand_as(shift), atol=1e-6)
    with pytest.raises(ValueError, match="jitter_reach"):
        TrainConfig(jitter_reach=0.7)


def test_nearest_keeps_each_pixel_over_its_cell(monkeypatch):
    # a shift of up to half a pixel stays in each pixel's own cell: the targets are the images unchanged
    real = torch.rand(2, 1, 6, 6)
    for rand in ([0.9, 0.1], [0.02, 0.97], [0.5, 0.5]):
        monkeypatch.setattr(jitter.torch, "rand", fixed_rand(rand))
        coords, target = jitter.jittered_view(real, 2.0, "nearest")
        assert torch.equal(target, real)
        assert not torch.allclose(coords, coordinate_grid(6, 6, 2.0)) or rand == [0.5, 0.5]
    with pytest.raises(ValueError, match="nearest"):
        TrainConfig(jitter_resample="box")


def test_bicubic_keeps_an_edge_sharper_than_bilinear_and_stays_in_range(monkeypatch):
    # a hard vertical edge (0 | 1) shifted by a quarter pixel: bilinear gives 0.25 beside it, bicubic
    # (Keys, a = -0.75) less, and its overshoot is clamped to [0, 1]
    real = torch.zeros(1, 1, 8, 8)
    real[..., 4:] = 1.0
    monkeypatch.setattr(jitter.torch, "rand", fixed_rand([0.75, 0.5]))  # +0.25 pixel in x
    _, bilinear = jitter.jittered_view(real, 2.0, "bilinear")
    _, bicubic = jitter.jittered_view(real, 2.0, "bicubic")
    assert bilinear[0, 0, 3, 3].item() == pytest.approx(0.25, abs=1e-5)
    assert bicubic[0, 0, 3, 3].item() < 0.25
    assert bicubic.min().item() >= 0.0 and bicubic.max().item() <= 1.0
    with pytest.raises(ValueError, match="jitter_resample"):
        TrainConfig(jitter_resample="lanczos")


def test_jitter_from_a_fraction_of_the_budget_on(tmp_path, monkeypatch):
    config = TrainConfig(
        batch_size=8, epochs=1, max_steps=8, subpixel_jitter=True, jitter_start=0.5, adv_warmup_steps=2, grid_size=2
    )
    assert [config.jitter_on(k / 8) for k in range(8)] == [False] * 4 + [True] * 4
    assert not TrainConfig(jitter_start=0.5).jitter_on(0.9)  # the start alone does not switch jitter on
    with pytest.raises(ValueError, match="jitter_start"):
        TrainConfig(jitter_start=1.0)
    trainer = Trainer(ModelConfig(), config, torch.device("cpu"))
    calls: list[int] = []
    monkeypatch.setattr(jitter, "jittered_view", lambda *a, **k: calls.append(trainer.step) or shifted(*a, **k))
    trainer.fit(torch.rand(64, 1, 28, 28), tmp_path)
    assert trainer.step == 8 and calls == [4, 5, 6, 7]  # step k runs once k of the 8 steps are done


shifted = jitter.jittered_view


def ramp(z, coords):
    """A generator that draws 0.5 + 0.1 x: what bilinear resampling reproduces exactly between pixels."""
    return (0.5 + 0.1 * coords[:, 0]).reshape(1, 1, 6, 6).expand(z.shape[0], -1, -1, -1)


def test_the_between_pixel_term_sees_only_what_the_pixels_do_not_show(monkeypatch):
    monkeypatch.setattr(jitter.torch, "rand", fixed_rand([1.0, 0.5]))  # half a pixel right, no shift in y
    z = torch.zeros(2, 8)
    grid = coordinate_grid(6, 6, 1.0)
    loss = jitter.between_pixel_loss(ramp, z, ramp(z, grid), coord_scale=1.0)
    # inside, the ramp half a pixel on is the blend of its pixels; the last column's target is held at the
    # edge pixel, 0.1 * half a pixel (1/6 of a unit) below what the ramp draws there: 6 rows of it per image
    assert loss.item() == pytest.approx(6 * (0.1 / 6) ** 2, rel=1e-4)
    constant = lambda z, coords: torch.full((z.shape[0], 1, 6, 6), 0.7)  # noqa: E731
    assert jitter.between_pixel_loss(constant, z, constant(z, grid), 1.0).item() == pytest.approx(0.0, abs=1e-9)


def test_the_between_pixel_term_trains_from_jitter_start_on(tmp_path, monkeypatch):
    from performer.cli import build_parser
    from performer.train import loop

    assert build_parser().parse_args(["train", "--between-pixel-weight", "10"]).between_pixel_weight == 10.0
    with pytest.raises(ValueError, match="between_pixel_weight"):
        TrainConfig(between_pixel_weight=10.0, subpixel_jitter=True)
    config = TrainConfig(batch_size=8, max_steps=8, between_pixel_weight=10.0, jitter_start=0.5, grid_size=2)
    trainer = Trainer(ModelConfig(), config, torch.device("cpu"))
    seen: list[int] = []
    values: list[float] = []

    def recorded(*args):
        seen.append(trainer.step)
        values.append(between(*args))
        return values[-1]

    between = loop.between_pixel_loss
    monkeypatch.setattr(loop, "between_pixel_loss", recorded)
    trainer.fit(torch.rand(64, 1, 28, 28), tmp_path)
    assert seen == [4, 5, 6, 7]
    assert all(value.item() > 0 and value.requires_grad and torch.isfinite(value) for value in values)
    losses = Trainer(ModelConfig(), config, torch.device("cpu")).train_step(torch.rand(8, 1, 28, 28))
    assert losses["between"] == 0.0  # before jitter_start


def test_flat_where_marks_the_pixels_whose_neighbourhood_is_plain():
    real = torch.zeros(1, 1, 6, 6)
    real[..., 3] = 1.0  # a vertical edge: columns 2-4 see it in their 3x3 neighbourhood
    assert jitter.flat_where(real, 0.05)[0, 0, 0].tolist() == [1.0, 1.0, 0.0, 0.0, 0.0, 1.0]
    assert jitter.flat_where(real, 1.0).sum().item() == 36  # a spread of 1 calls everything flat


def test_the_flat_only_between_pixel_term_leaves_edges_free(monkeypatch):
    monkeypatch.setattr(jitter.torch, "rand", fixed_rand([1.0, 0.5]))  # half a pixel right, as above
    z = torch.zeros(2, 8)
    render = ramp(z, coordinate_grid(6, 6, 1.0))
    everywhere = jitter.between_pixel_loss(ramp, z, render, 1.0).item()
    # the ramp's only mismatch is in the last column (its target held at the edge pixel): an edge beside
    # that column masks it out (the half-pixel blend of the mask there is 0), one far away leaves it in
    edge_beside, edge_far = torch.zeros(2, 1, 6, 6), torch.zeros(2, 1, 6, 6)
    edge_beside[..., 5], edge_far[..., 0] = 1.0, 1.0
    assert jitter.between_pixel_loss(ramp, z, render, 1.0, edge_beside, 0.05).item() == pytest.approx(0.0, abs=1e-9)
    assert jitter.between_pixel_loss(ramp, z, render, 1.0, edge_far, 0.05).item() == pytest.approx(everywhere, rel=1e-4)
    with pytest.raises(ValueError, match="between_pixel_flat"):
        TrainConfig(between_pixel_flat=2.0)


def test_the_between_pixel_term_on_prior_samples_masks_them_by_their_own_render(monkeypatch, tmp_path):
    from performer.train import loop

    config = TrainConfig(
        batch_size=8,
        max_steps=4,
        adv_warmup_steps=2,
        between_pixel_weight=10.0,
        between_pixel_flat=0.1,
        between_pixel_prior=2.0,
        grid_size=2,
    )
    trainer = Trainer(ModelConfig(), config, torch.device("cpu"))
    calls: list[tuple[int, tuple]] = []
    between = loop.between_pixel_loss

    def recorded(*args):
        calls.append((trainer.step, args))
        return between(*args)

    monkeypatch.setattr(loop, "between_pixel_loss", recorded)
    real = torch.rand(8, 1, 28, 28)
    trainer.fit(real, tmp_path)
    # steps 0-1 have no critic, so no prior samples: the reconstructions' term alone; then both, the prior's
    # masked by the very images it is asked to match (args: generate, z, render, scale, mask source, spread)
    assert [step for step, _ in calls] == [0, 1, 2, 2, 3, 3]
    for _, (_, z, render, _, _, spread) in calls:
        assert spread == 0.1 and render.shape == (8, 1, 28, 28) and z.shape == (8, 8)
    second = calls[3][1]
    assert second[4] is second[2] and calls[2][1][4] is not calls[2][1][2]
