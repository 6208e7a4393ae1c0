"""Sample quality, measured: a small Fashion-MNIST classifier judges decoded prior samples.

The classifier is trained here on the Debian data (about a minute on a CPU) and cached beside the user's
other caches, so the bench and the tests need nothing downloaded. Numbers reported:
  confident_share  share of prior samples z ~ N(0, I) the classifier assigns one class with p >= 0.9
  classes_seen     how many of the 10 classes are the confident top class of at least one sample
  real_confident   the same share for real test images (the reference a perfect generator would reach)
  recon_bce/mse    test-set reconstruction error (encoder mean -> CPPN at 28x28)
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
            nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 28 -> 14
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 14 -> 7
            nn.Flatten(), nn.Linear(64 * 49, 128), nn.ReLU(), nn.Dropout(0.3), nn.Linear(128, 10),
        )  # fmt: skip

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.net(images * 2.0 - 1.0)


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
def evaluate(generator, encoder, classifier: Classifier, samples: int = 1000, seed: int = 0,
             garments: np.ndarray | None = None) -> dict:  # fmt: skip
    """Quality numbers for a grey 28x28-trained model (see module doc). With the model's garment latents,
    also what a random jump (R) shows: a garment latent plus the app's noise."""
    z = torch.randn(samples, generator.config.latent_dim, generator=torch.Generator().manual_seed(seed))
    fakes = torch.cat([generator.render(chunk, 28) for chunk in z.split(250)])
    share, classes, counts = confidence_stats(predict(classifier, fakes))

    test_images, test_labels = load_fashion_mnist("test")
    real = as_tensor(test_images)
    real_probs = predict(classifier, real)
    real_share, _, _ = confidence_stats(real_probs)
    accuracy = (real_probs.argmax(1) == torch.from_numpy(test_labels.astype(np.int64))).float().mean().item()

    bce, mse = 0.0, 0.0
    for chunk in real.split(500):
        mean, _ = encoder(chunk)
        recon = generator.render(mean, 28).clamp(1e-6, 1 - 1e-6)
        bce += F.binary_cross_entropy(recon, chunk, reduction="sum").item()
        mse += F.mse_loss(recon, chunk, reduction="sum").item()
    n = real.shape[0]
    return {
        "confident_share": round(share, 4),
        "classes_seen": classes,
        "per_class_confident": counts,
        "real_confident": round(real_share, 4),
        "classifier_test_accuracy": round(accuracy, 4),
        "recon_bce_per_image": round(bce / n, 2),
        "recon_mse_per_pixel": round(mse / (n * 784), 5),
        **(random_jump_stats(generator, classifier, garments, samples, seed) if garments is not None else {}),
    }


def random_jump_stats(generator, classifier: Classifier, garments: np.ndarray, samples: int, seed: int) -> dict:
    from performer.model.garments import garment_jumps

    z = torch.from_numpy(garment_jumps(garments, np.random.default_rng(seed), samples).astype(np.float32))
    fakes = torch.cat([generator.render(chunk, 28) for chunk in z.split(250)])
    share, classes, counts = confidence_stats(predict(classifier, fakes))
    return {"random_jump_confident_share": round(share, 4), "random_jump_classes_seen": classes,
            "random_jump_per_class_confident": counts}
