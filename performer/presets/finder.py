"""Landmarks for a model, found rather than made up.

Class landmarks: encode every test image of a class (the VAE mean), take the 32 whose codes are nearest
the class's mean code (typical members, not outliers), decode each, and keep the one whose decoding is
most often recognised as the class by a k-nearest-neighbour vote among real Fashion-MNIST images (pixels,
k=10). So "ankle boot" is a point that decodes to something real ankle boots are closest to; the vote is
written in the landmark's note.

Striking points: random z's from the prior, scored by how much structure their decoding has (mean edge
strength, times coverage times empty space: a shape, not a speck or a wall), keeping the best that are far
apart, each with a palette and zoom that suit a stage.
"""

from __future__ import annotations

import logging

import numpy as np
import torch

from performer.presets.landmarks import Landmark

log = logging.getLogger(__name__)

CANDIDATES = 32  # typical members per class tried
NEIGHBOURS = 10  # k of the k-NN vote
STRIKING_PALETTES = (("neon", 1.0), ("ember", 1.6), ("gold", 1.0), ("thermal", 2.4), ("rose", 1.0))

# Fashion-MNIST items fill their 28x28 frame edge to edge; on a projector a margin around the garment
# reads better, so class landmarks show it slightly zoomed out.
CLASS_ZOOM = 0.85


def encode(encoder, images: np.ndarray, batch: int = 1000) -> np.ndarray:
    out = []
    with torch.no_grad():
        for start in range(0, len(images), batch):
            x = torch.from_numpy(images[start : start + batch]).float().div(255.0).unsqueeze(1)
            out.append(encoder(x)[0].numpy())
    return np.concatenate(out).astype(np.float64)


def decode(generator, z: np.ndarray, size: int = 28) -> np.ndarray:
    """float [N, size, size] in 0..1 (grey; colour models averaged)."""
    with torch.no_grad():
        images = generator.render(torch.from_numpy(z).float(), size, size)
    return images.mean(1).numpy()


def knn_votes(decoded: np.ndarray, reference: np.ndarray, labels: np.ndarray, k: int = NEIGHBOURS) -> np.ndarray:
    """[N, classes] count of each class among the k nearest reference images (Euclidean, pixels)."""
    a = decoded.reshape(len(decoded), -1)
    b = reference.reshape(len(reference), -1).astype(np.float64) / 255.0
    distances = (a * a).sum(1)[:, None] - 2 * a @ b.T + (b * b).sum(1)[None, :]
    nearest = np.argpartition(distances, k, axis=1)[:, :k]
    votes = np.zeros((len(decoded), int(labels.max()) + 1), dtype=np.int64)
    for row, indexes in enumerate(nearest):
        np.add.at(votes[row], labels[indexes], 1)
    return votes


def class_landmarks(model, images: np.ndarray, labels: np.ndarray, classes: tuple[str, ...]) -> list[Landmark]:
    codes = encode(model.encoder, images)
    out = []
    for c, name in enumerate(classes):
        members = np.flatnonzero(labels == c)
        if len(members) == 0:
            raise ValueError(f"no examples of class {c} ({name}) in the data")
        mean = codes[members].mean(0)
        typical = members[np.argsort(np.linalg.norm(codes[members] - mean, axis=1))[:CANDIDATES]]
        decoded = decode(model.generator, codes[typical])
        votes = knn_votes(decoded, images, labels)[:, c]
        error = ((decoded - images[typical] / 255.0) ** 2).mean(axis=(1, 2))
        best = int(np.lexsort((error, -votes))[0])  # most votes, then the closest reconstruction
        z = np.clip(codes[typical[best]], -4.0, 4.0)
        note = (
            f"encoded test image {int(typical[best])}; {int(votes[best])}/{NEIGHBOURS} nearest real images are {name}"
        )
        out.append(Landmark(name, tuple(round(float(v), 4) for v in z), "grey", CLASS_ZOOM, note))
        log.info("%s: %s", name, note)
    return out


def structure_score(decoded: np.ndarray) -> np.ndarray:
    gy, gx = np.gradient(decoded, axis=(1, 2))
    edges = np.sqrt(gx * gx + gy * gy).mean(axis=(1, 2))
    coverage = (decoded > 0.25).mean(axis=(1, 2))
    return edges * coverage * (1.0 - coverage)  # a shape with edges, neither a speck nor a full frame


def striking_landmarks(model, count: int = 5, samples: int = 2000, seed: int = 0) -> list[Landmark]:
    rng = np.random.default_rng(seed)
    dim = model.config.latent_dim
    z = np.clip(rng.standard_normal((samples, dim)) * 1.6, -3.5, 3.5)
    scores = np.concatenate([structure_score(decode(model.generator, chunk, 48)) for chunk in np.split(z, 20)])
    chosen: list[int] = []
    for index in np.argsort(-scores):
        if all(np.linalg.norm(z[index] - z[j]) > 3.0 for j in chosen):
            chosen.append(int(index))
        if len(chosen) == count:
            break
    out = []
    for n, index in enumerate(chosen):
        palette, zoom = STRIKING_PALETTES[n % len(STRIKING_PALETTES)]
        note = f"explored: best structure score {scores[index]:.3f} of {samples} random z (seed {seed})"
        out.append(
            Landmark(f"striking {n + 1} ({palette})", tuple(round(float(v), 4) for v in z[index]), palette, zoom, note)
        )
    return out
