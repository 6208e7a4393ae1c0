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
