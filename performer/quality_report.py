"""Quality wherever a performer goes in the space: prior, random jumps (R), encoded images, uniform jumps.

Each place is a set of latents decoded at 28x28 and judged by the classifier of performer/quality.py:
  confident    share of images given one class with p >= 0.9
  classes      classes that are the confident top class of at least n/200 images (a class must really
               appear, not once by luck)
  fd, fd_ratio Frechet distance to the real test images in the classifier's features, and that distance over
               the floor: the distance between real train and real test images of the same count, measured
               in the same run (what a perfect generator would score)
The places:
  prior        z ~ N(0, I), the Explorer's hyperspace jump
  learned      z from the model's learned prior over garments (model/prior.py), when the file has one
  jump         R: a real garment's latent moved by the app's noise (model/garments.py)
  recon        test images encoded (posterior mean) and decoded: landmarks and drawings live here
  uniform      z ~ U(-1, 1) per latent: a jump near the middle of every fader
  prior*0.8    with --truncation 0.8: the prior's own samples scaled by 0.8, StyleGAN's truncation trick
  learned*0.8  the same for the learned prior: each component's scales times 0.8 (the same components picked)
Also the test-set reconstruction error (BCE nats per image, MSE per pixel), and what the show adds when it
renders larger than training: `off_grid`, reconstructions rendered at 4x (112x112) against their 28x28
render bilinearly enlarged, mean and 99th percentile of the absolute difference in 1/255. Detail there is
what the CPPN does between the pixel centres it was trained at: a sharp edge adds a little, an artefact
such as a dark spot that falls between them (invisible at 28x28) adds a lot. `off_grid_flat` is the same
difference (against a bicubic enlargement) only where the 28x28 render is flat on the garment (its 3x3
neighbourhood within 0.05 of full scale): a real edge or seam cannot add there, so what does is drawn between
the pixels from nothing, as the recurring contours on the chest that show at 64 px and up.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import torch
import torch.nn.functional as F

from performer.data.fashion_mnist import load_fashion_mnist
from performer.quality import Classifier, as_tensor, frechet_distance, predict_with_features

THRESHOLD = 0.9


def judge(classifier: Classifier, images: torch.Tensor, reference: np.ndarray, floor: float) -> dict:
    probs, feats = predict_with_features(classifier, images)
    top, label = probs.max(dim=1)
    confident = top >= THRESHOLD
    counts = torch.bincount(label[confident], minlength=10).tolist()
    need = max(1, len(images) // 200)
    distance = frechet_distance(feats, reference)
    return {
        "confident": round(confident.float().mean().item(), 4),
        "classes": sum(c >= need for c in counts),
        "per_class": counts,
        "fd": round(distance, 3),
        "fd_ratio": round(distance / max(floor, 1e-9), 2),
    }


class Judge:
    """The real images, their features and the floor, computed once and shared by every model judged."""

    def __init__(self, classifier: Classifier, samples: int, seed: int, truncations: tuple[float, ...] = ()) -> None:
        self.classifier, self.samples, self.seed, self.truncations = classifier, samples, seed, truncations
        rng = np.random.default_rng(seed)
        test_images, test_labels = load_fashion_mnist("test")
        train_images, _ = load_fashion_mnist("train")
        self.test = as_tensor(test_images[rng.choice(len(test_images), samples, replace=False)])
        train = as_tensor(train_images[rng.choice(len(train_images), samples, replace=False)])
        _, self.reference = predict_with_features(classifier, self.test)
        _, train_feats = predict_with_features(classifier, train)
        self.floor = frechet_distance(train_feats, self.reference)
        all_test = as_tensor(test_images)
        probs, _ = predict_with_features(classifier, all_test)
        labels = torch.from_numpy(test_labels.astype(np.int64))
        self.accuracy = (probs.argmax(1) == labels).float().mean().item()
        self.real = judge(classifier, self.test, self.reference, self.floor)
        self.all_test = all_test

    @torch.no_grad()
    def places(self, generator, encoder, garments: np.ndarray | None, prior=None) -> dict[str, torch.Tensor]:
        """Latents [n, L] for every place this model has."""
        n, dim = self.samples, generator.config.latent_dim
        torch_rng = torch.Generator().manual_seed(self.seed)
        out = {
            "prior": torch.randn(n, dim, generator=torch_rng),
            "uniform": torch.rand(n, dim, generator=torch_rng) * 2.0 - 1.0,
        }
        out.update({f"prior*{psi:g}": out["prior"] * psi for psi in self.truncations})
        if prior is not None:
            for psi in (1.0, *self.truncations):
                narrowed = replace(prior, scales=prior.scales * psi)
                z = narrowed.sample(np.random.default_rng(self.seed), n).astype(np.float32)
                out["learned" if psi == 1.0 else f"learned*{psi:g}"] = torch.from_numpy(z)
        if garments is not None:
            from performer.model.garments import garment_jumps

            jumps = garment_jumps(garments, np.random.default_rng(self.seed), n)
            out["jump"] = torch.from_numpy(jumps.astype(np.float32))
        out["recon"] = torch.cat([encoder(chunk)[0] for chunk in self.test.split(500)])
        return out

    @torch.no_grad()
    def evaluate(self, generator, encoder, garments: np.ndarray | None = None, prior=None) -> dict:
        result = {}
        for name, z in self.places(generator, encoder, garments, prior).items():
            images = torch.cat([generator.render(chunk, 28) for chunk in z.split(250)])
            result[name] = judge(self.classifier, images, self.reference, self.floor)
            if name == "recon":
                result["off_grid"] = off_grid_detail(generator, z[:OFF_GRID_SAMPLES])
                result["off_grid_flat"] = flat_off_grid_detail(generator, z[:OFF_GRID_SAMPLES])
        result.update(reconstruction_error(generator, encoder, self.all_test))
        return result


OFF_GRID_SAMPLES, OFF_GRID_FACTOR = 500, 4


@torch.no_grad()
def off_grid_detail(generator, z: torch.Tensor) -> dict:
    size = 28 * OFF_GRID_FACTOR
    differences = []
    for chunk in z.split(100):
        enlarged = F.interpolate(generator.render(chunk, 28), size=size, mode="bilinear", align_corners=False)
        differences.append((generator.render(chunk, size) - enlarged).abs().flatten())
    difference = torch.cat(differences) * 255.0
    return {"mean": round(difference.mean().item(), 2), "p99": round(torch.quantile(difference, 0.99).item(), 1)}


FLAT_SPREAD, ON_GARMENT = 0.05, 0.15


@torch.no_grad()
def flat_off_grid_detail(generator, z: torch.Tensor) -> dict:
    """The 4x render against its 28x28 render enlarged, only inside flat parts of the garment."""
    size, factor = 28 * OFF_GRID_FACTOR, OFF_GRID_FACTOR
    inside, flat_share = [], []
    for chunk in z.split(100):
        small = generator.render(chunk, 28)
        enlarged = F.interpolate(small, size=size, mode="bicubic", align_corners=False)
        difference = (generator.render(chunk, size) - enlarged).abs()
        neighbours = F.unfold(F.pad(small, (1, 1, 1, 1), mode="replicate"), 3).view(len(chunk), 9, 28, 28)
        flat = (neighbours.amax(1) - neighbours.amin(1) < FLAT_SPREAD) & (small[:, 0] > ON_GARMENT)
        flat_share.append(flat.float().mean().item())
        mask = flat[:, None].repeat_interleave(factor, 2).repeat_interleave(factor, 3)
        inside.append(difference[mask])
    difference = torch.cat(inside) * 255.0
    if difference.numel() == 0:
        return {"share": 0.0, "mean": 0.0, "p99": 0.0}
    return {
        "share": round(float(np.mean(flat_share)), 3),
        "mean": round(difference.mean().item(), 2),
        "p99": round(torch.quantile(difference[:16_000_000], 0.99).item(), 1),
    }


@torch.no_grad()
def reconstruction_error(generator, encoder, real: torch.Tensor) -> dict:
    bce, mse = 0.0, 0.0
    for chunk in real.split(500):
        mean, _ = encoder(chunk)
        recon = generator.render(mean, 28).clamp(1e-6, 1 - 1e-6)
        bce += F.binary_cross_entropy(recon, chunk, reduction="sum").item()
        mse += F.mse_loss(recon, chunk, reduction="sum").item()
    n = real.shape[0]
    return {"recon_bce_per_image": round(bce / n, 2), "recon_mse_per_pixel": round(mse / (n * 784), 5)}


PLACES = ("prior", "learned", "jump", "recon", "uniform")


def markdown_table(names: list[str], results: list[dict], judge_: Judge) -> str:
    """One column per model: confident share, classes and distance ratio per place, then reconstruction."""
    rows = [f"| | {' | '.join(names)} |", "|---|" + "---:|" * len(names)]
    truncated = [key for key in results[0] if key.startswith(("prior*", "learned*"))] if results else []
    for place in (*PLACES, *truncated):
        if not any(place in r for r in results):
            continue
        for key, label in (("confident", "confident"), ("classes", "classes"), ("fd_ratio", "distance / floor")):
            cells = [str(r[place][key]) if place in r else "" for r in results]
            rows.append(f"| {place}: {label} | {' | '.join(cells)} |")
    rows.append(f"| test reconstruction, nats/image | {' | '.join(str(r['recon_bce_per_image']) for r in results)} |")
    if all("off_grid" in r for r in results):
        cells = [f"{r['off_grid']['mean']}, {r['off_grid']['p99']}" for r in results]
        rows.append(f"| reconstructions at 4x: between the pixels, mean, p99 (of 255) | {' | '.join(cells)} |")
    if all("off_grid_flat" in r for r in results):
        cells = [f"{r['off_grid_flat']['mean']}, {r['off_grid_flat']['p99']}" for r in results]
        rows.append(f"| the same where the 28x28 image is flat: mean, p99 (of 255) | {' | '.join(cells)} |")
    real = judge_.real
    rows.append(
        f"\nreal test images: {real['confident']} confident, {real['classes']} classes; floor (train vs "
        f"test, {judge_.samples} each) {judge_.floor:.3f}; classifier test accuracy {judge_.accuracy:.4f}"
    )
    return "\n".join(rows)
