"""The garments' map: a 2-D embedding of the garment latents (model/garments.py) with each garment's class,
the Explorer's show2d. Written at export (or added to an existing file by `performer map`), read with
numpy alone so the live process never needs torch or umap.

Stored in the model file as `garments.labels` [N] int64 (class index, -1 when unknown: a folder of images)
and `garments.map` [N, 2] float32, with the embedding's kind ("umap" or "pca") in the metadata under
`garments.map_kind`. UMAP keeps neighbourhoods (classes form islands, as in the Explorer's write-up) and
is used when `umap-learn` is installed (the `[map]` extra); PCA, the two directions of largest variance,
needs only numpy and is the fallback.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LABELS = "garments.labels"
MAP = "garments.map"
KIND = "garments.map_kind"  # metadata key
KINDS = ("umap", "pca")
UNKNOWN_LABEL = -1


@dataclass(frozen=True)
class GarmentMap:
    points: np.ndarray  # [N, 2] float32, one per garment latent (same order)
    labels: np.ndarray  # [N] int64 class index, UNKNOWN_LABEL when the data had none
    kind: str  # "umap" or "pca"


def pca_2d(latents: np.ndarray) -> np.ndarray:
    """[N, L] -> [N, 2] float32: the centred latents projected on their two principal directions (SVD),
    each direction's sign fixed so its largest-magnitude loading is positive (the same map every time)."""
    centred = np.asarray(latents, np.float64) - np.mean(latents, axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    axes = vt[:2]
    signs = np.sign(axes[np.arange(len(axes)), np.argmax(np.abs(axes), axis=1)])
    return (centred @ (axes * signs[:, None]).T).astype(np.float32)


UMAP_NEIGHBOURS = 15
UMAP_SMALLEST = 4 * UMAP_NEIGHBOURS  # fewer garments (a tiny training folder): UMAP's spectral start fails


def embed_2d(latents: np.ndarray, seed: int = 0, kind: str = "auto") -> tuple[np.ndarray, str]:
    """([N, 2] float32, kind): kind "auto" is UMAP when umap-learn is importable and there are at least
    UMAP_SMALLEST garments, else PCA; "pca" is PCA."""
    try:
        if kind == "pca" or len(latents) < UMAP_SMALLEST:
            raise ImportError(kind)
        import umap
    except ImportError:
        return pca_2d(latents), "pca"
    reducer = umap.UMAP(n_components=2, n_neighbors=UMAP_NEIGHBOURS, min_dist=0.1, random_state=seed, n_jobs=1)
    return np.asarray(reducer.fit_transform(np.asarray(latents, np.float32)), np.float32), "umap"


def map_tensors(latents: np.ndarray, labels: np.ndarray | None, seed: int = 0, kind: str = "auto") -> tuple[dict, dict]:
    """(tensors as numpy arrays, metadata) to add to a model file for these garment latents and labels."""
    points, kind = embed_2d(latents, seed, kind)
    if labels is None:
        labels = np.full(len(latents), UNKNOWN_LABEL)
    return {LABELS: np.asarray(labels, np.int64), MAP: points}, {KIND: kind}


def check_garment_map(path, tensors: dict, metadata: dict, garment_count: int | None) -> GarmentMap | None:
    """The map in a file's tensors (numpy or torch), None when the file has none, or ValueError saying what
    is wrong: both tensors or neither, one row per garment, finite points, a known kind."""
    present = [key for key in (LABELS, MAP) if key in tensors]
    if not present:
        return None
    if len(present) == 1 or garment_count is None:
        raise ValueError(f"{path}: {present[0]} needs garments.latents, {LABELS} and {MAP} together")
    points, labels = (_numpy(tensors[key]) for key in (MAP, LABELS))
    if points.shape != (garment_count, 2):
        raise ValueError(f"{path}: {MAP} has shape {points.shape}, expected ({garment_count}, 2)")
    if labels.shape != (garment_count,) or labels.dtype.kind not in "iu":
        raise ValueError(f"{path}: {LABELS} has shape {labels.shape} {labels.dtype}, expected ({garment_count},) int")
    if not np.isfinite(points).all():
        raise ValueError(f"{path}: {MAP} holds NaN or infinite values")
    kind = metadata.get(KIND, "")
    if kind not in KINDS:
        raise ValueError(f"{path}: {KIND} is {kind!r}, expected one of {KINDS}")
    return GarmentMap(points.astype(np.float32), labels.astype(np.int64), kind)


def _numpy(value) -> np.ndarray:
    return value.numpy().copy() if hasattr(value, "numpy") else np.asarray(value)
