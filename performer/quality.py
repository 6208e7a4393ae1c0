"""The judge of sample quality: a small Fashion-MNIST classifier, its features and the Frechet distance.

The classifier is trained here on the Debian data (about a minute on a CPU) and cached beside the user's
other caches, so the bench and the tests need nothing downloaded. What is measured with it (which places
in the space, which numbers) is performer/quality_report.py.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file
from torch import nn

from performer.data.fashion_mnist import load_fashion_mnist

log = logging.getLogger(__name__)

CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "performer"


class Classifier(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),  # 28 -> 14
            nn.Conv2d(32, 64, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),  # 14 -> 7
            nn.Flatten(),
            nn.Linear(64 * 49, 128),
            nn.ReLU(),
            nn.Dropout(0.3),
            nn.Linear(128, 10),
        )

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.net(images * 2.0 - 1.0)

    def features(self, images: torch.Tensor) -> torch.Tensor:
        """The 128 units before the last layer (dropout is off in eval): the space Frechet distances use."""
        return self.net[:-2](images * 2.0 - 1.0)


def as_tensor(images: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1)


def train_classifier(epochs: int = 3, limit: int = 0, seed: int = 0) -> Classifier:
    torch.manual_seed(seed)
    images, labels = load_fashion_mnist("train")
    if limit:
        images, labels = images[:limit], labels[:limit]
    x, y = as_tensor(images), torch.from_numpy(labels.astype(np.int64))
    model = Classifier()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(epochs):
        order = torch.randperm(x.shape[0])
        for start in range(0, x.shape[0], 128):
            idx = order[start : start + 128]
            loss = F.cross_entropy(model(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        log.info("classifier epoch %d: last loss %.3f", epoch + 1, loss.item())
    return model.eval()


def cached_classifier(epochs: int = 3) -> Classifier:
    """Train once, then load from the cache (weights only, safetensors)."""
    path = CACHE / f"fmnist_classifier_e{epochs}.safetensors"
    model = Classifier()
    if path.exists():
        try:
            model.load_state_dict(load_file(str(path)))
            return model.eval()
        except Exception as exc:  # a stale or broken cache is retrained, not fatal
            log.warning("retraining classifier: cache %s unusable (%s)", path, exc)
    model = train_classifier(epochs)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file(model.state_dict(), str(path))
    return model


@torch.no_grad()
def predict(classifier: Classifier, images: torch.Tensor) -> torch.Tensor:
    """images [N, 1, 28, 28] -> class probabilities [N, 10]."""
    return torch.cat([F.softmax(classifier(chunk), dim=1) for chunk in images.split(500)])


def confidence_stats(probs: torch.Tensor, threshold: float = 0.9) -> tuple[float, int, list[int]]:
    """(share with max prob >= threshold, classes that are a confident top class, per-class counts)."""
    top, label = probs.max(dim=1)
    confident = top >= threshold
    counts = torch.bincount(label[confident], minlength=10).tolist()
    return confident.float().mean().item(), sum(1 for c in counts if c > 0), counts


@torch.no_grad()
def predict_with_features(classifier: Classifier, images: torch.Tensor) -> tuple[torch.Tensor, np.ndarray]:
    """images [N, 1, 28, 28] -> (class probabilities [N, 10], features [N, 128] float64)."""
    probs, feats = [], []
    for chunk in images.split(500):
        hidden = classifier.features(chunk)
        probs.append(F.softmax(classifier.net[-1](hidden), dim=1))
        feats.append(hidden.double().numpy())
    return torch.cat(probs), np.concatenate(feats)


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Frechet distance between Gaussians fitted to feature sets a [N, D] and b [M, D] (as FID does):
    |mu_a - mu_b|^2 + tr(S_a) + tr(S_b) - 2 tr((S_a^1/2 S_b S_a^1/2)^1/2), the square roots taken through
    symmetric eigendecompositions (numpy only, no scipy)."""
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    values, vectors = np.linalg.eigh(cov_a)
    root_a = (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T
    middle = np.linalg.eigvalsh(root_a @ cov_b @ root_a)
    cross = np.sqrt(np.clip(middle, 0, None)).sum()
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(cov_a) + np.trace(cov_b) - 2.0 * cross)
