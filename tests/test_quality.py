"""The quality judge's arithmetic: Frechet distance against closed forms, the per-place report's counts."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from performer.quality import Classifier, frechet_distance
from performer.quality_report import judge


def test_frechet_distance_matches_closed_forms():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((20000, 4))
    # shifted means, same covariance: the distance is |mu|^2 = 1 + 4 + 0 + 0
    assert frechet_distance(a, a + np.array([1.0, 2.0, 0.0, 0.0])) == pytest.approx(5.0, abs=0.1)
    # isotropic scales 1 and 3 in 4 dimensions: 4 * (3 - 1)^2 = 16
    assert frechet_distance(a, 3.0 * rng.standard_normal((20000, 4))) == pytest.approx(16.0, rel=0.03)
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6)


def test_judge_counts_confident_images_and_classes():
    classifier = Classifier().eval()
    with torch.no_grad():  # a classifier that calls everything class 3 with certainty
        last = classifier.net[-1]
        last.weight.zero_()
        last.bias.copy_(torch.tensor([0.0] * 3 + [50.0] + [0.0] * 6))
    images = torch.rand(400, 1, 28, 28)
    reference = np.random.default_rng(0).standard_normal((400, 128))
    result = judge(classifier, images, reference, floor=2.0)
    assert result["confident"] == 1.0 and result["classes"] == 1 and result["per_class"][3] == 400
    assert result["fd_ratio"] == pytest.approx(result["fd"] / 2.0, rel=1e-2)


class FakeGenerator:
    """render(z, size): grey everywhere, plus at 4x a white block of `spot` x `spot` pixels per image."""

    def __init__(self, spot: int) -> None:
        self.spot = spot

    def render(self, z, size):
        import torch

        images = torch.full((z.shape[0], 1, size, size), 0.5)
        if size > 28:
            images[:, 0, 50 : 50 + self.spot, 60 : 60 + self.spot] = 1.0
        return images


@pytest.mark.parametrize(
    "spot, expected",
    [
        (0, {"mean": 0.0, "p99": 0.0}),
        # 16 of 112 x 112 = 12,544 pixels off by 0.5 of full scale: mean 16 * 127.5 / 12,544; under 1% of them
        (4, {"mean": 0.16, "p99": 0.0}),
        # 144 pixels, 1.15%: the 99th percentile is inside the block
        (12, {"mean": 1.46, "p99": 127.5}),
    ],
)
def test_off_grid_detail_sees_only_what_lies_between_the_pixels(spot, expected):
    import torch

    from performer.quality_report import off_grid_detail

    assert off_grid_detail(FakeGenerator(spot), torch.zeros(200, 8)) == expected


class EdgeGenerator:
    """28x28: background in columns 0-13, grey 0.5 in 14-27; at 4x, its bicubic enlargement plus +0.25 in a
    `spot` x `spot` block inside the flat grey (columns 20-21 at 28x28) and one in the background."""

    def __init__(self, spot: int) -> None:
        self.spot = spot

    def render(self, z, size):
        small = torch.zeros(z.shape[0], 1, 28, 28)
        small[..., 14:] = 0.5
        if size == 28:
            return small
        big = torch.nn.functional.interpolate(small, size=size, mode="bicubic", align_corners=False)
        big[:, 0, 40 : 40 + self.spot, 80 : 80 + self.spot] += 0.25
        big[:, 0, 40 : 40 + self.spot, 4 : 4 + self.spot] += 0.25  # off the garment: not counted
        return big


@pytest.mark.parametrize(
    "spot, mean, p99",
    [
        # flat grey: columns 15-27 (14's neighbourhood reaches the background), 28 x 13 = 364 of 784 pixels;
        # at 4x 5,824 pixels, 16 of them off by 0.25 = 63.75 of 255: mean 16 * 63.75 / 5,824, under 1% of them
        (4, 0.18, 0.0),
        # 64 pixels, 1.1%: the 99th percentile is inside the block
        (8, 0.70, 63.8),
    ],
)
def test_flat_off_grid_detail_counts_only_flat_garment(spot, mean, p99):
    from performer.quality_report import flat_off_grid_detail

    result = flat_off_grid_detail(EdgeGenerator(spot), torch.zeros(200, 8))
    assert result["share"] == pytest.approx(364 / 784, abs=1e-3)
    assert result["mean"] == pytest.approx(mean, abs=0.006) and result["p99"] == pytest.approx(p99, abs=0.06)


def test_columns_are_named_apart_when_files_share_a_name():
    from pathlib import Path

    from performer.commands.bench_quality import column_names

    paths = [Path("models/fashion.safetensors"), Path("runs/a/fashion.safetensors"), Path("runs/b32.safetensors")]
    assert column_names(paths) == ["models/fashion", "a/fashion", "b32"]


def test_truncated_priors_are_the_priors_own_samples_scaled_and_get_their_rows():
    from types import SimpleNamespace

    from performer.quality_report import Judge, markdown_table

    judge_ = Judge.__new__(Judge)  # no classifier or data needed to draw the places
    judge_.samples, judge_.seed, judge_.truncations = 300, 0, (0.5, 0.8)
    judge_.test = torch.rand(300, 1, 28, 28)
    generator = SimpleNamespace(config=SimpleNamespace(latent_dim=8))

    def encoder(images):
        return torch.zeros(len(images), 8), torch.zeros(len(images), 8)

    places = judge_.places(generator, encoder, None)
    assert torch.equal(places["prior*0.5"], places["prior"] * 0.5) and torch.equal(
        places["prior*0.8"], places["prior"] * 0.8
    )
    assert places["prior"].std().item() == pytest.approx(1.0, abs=0.03)
    row = {"confident": 0.5, "classes": 10, "fd_ratio": 3.0}
    results = [{name: row for name in places} | {"recon_bce_per_image": 1.0}]
    judge_.real, judge_.floor, judge_.accuracy = row, 2.0, 0.9
    table = markdown_table(["m"], results, judge_)
    assert "| prior*0.5: distance / floor | 3.0 |" in table and table.index("prior*0.5") > table.index("uniform:")


def test_narrowed_learned_priors_keep_their_components_and_shrink_about_them():
    from types import SimpleNamespace

    from performer.model.prior import MixturePrior
    from performer.quality_report import Judge

    judge_ = Judge.__new__(Judge)
    judge_.samples, judge_.seed, judge_.truncations = 400, 0, (0.5,)
    judge_.test = torch.rand(400, 1, 28, 28)
    generator = SimpleNamespace(config=SimpleNamespace(latent_dim=8))
    means = np.stack([np.full(8, -1.0), np.full(8, 1.5)])
    prior = MixturePrior(np.array([0.5, 0.5]), means, np.full((2, 8), 0.4))

    def encoder(images):
        return torch.zeros(len(images), 8), torch.zeros(len(images), 8)

    places = judge_.places(generator, encoder, None, prior)
    full, narrow = places["learned"].double(), places["learned*0.5"].double()
    # the same components are picked (a sample's nearer mean), and each sample halves its distance to it
    centre = torch.from_numpy(means)[(full.mean(1) > 0.25).long()]
    assert torch.allclose(narrow - centre, (full - centre) * 0.5, atol=1e-5)
    assert (full - centre).std().item() == pytest.approx(0.4, abs=0.03)
