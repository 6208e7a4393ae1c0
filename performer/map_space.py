"""The map of the space (the Explorer's show2d), numpy only: the garments' 2-D points (model/garment_map.py),
a click on the map turned into a latent z, the current z turned into a map point, a bounded trail of
visited points, and the class names and colours of a legend.

Map point -> z: inverse-distance interpolation of the K nearest garments' latents, nearest in map space.
Chosen over a learned inverse because it needs no training, works for UMAP and PCA alike, and always lands
among real garments' latents (where decoded images look like garments), with a click on a garment's own
point landing exactly on its latent; a learned inverse would extrapolate between islands into regions
the encoder never uses. A click within SNAP of the map's extent from a garment's point goes to that
garment exactly (the one hover shows): 2,000 garments crowd a 2-D map, and neighbours on the map can be
far apart in z (measured on the shipped model's UMAP map: at 0.5% of the extent from a garment, the blend
is a median 0.95 latent units from it, 1.6 with PCA, against 0.67 from a garment to its nearest neighbour
in z), so a blend there would not be the garment the performer pointed at. z -> map point: the same
interpolation the other way, nearest in latent space, so the current position is drawn among the garments
it looks like; for a garment's own latent it is exactly that garment's point (tests hold both round trips).
"""

from __future__ import annotations

from collections import deque

import numpy as np

from performer.data.fashion_mnist import CLASSES
from performer.model.garment_map import UNKNOWN_LABEL, GarmentMap

NEIGHBOURS = 8  # garments interpolated per query: enough to be smooth across a gap, few enough to stay local
TRAIL_LENGTH = 256  # map points kept for the trail
EXACT = 1e-9  # a query this close to a garment (squared distance) is that garment
SNAP = 0.01  # of the map's larger side: a click this close to a garment's point is that garment

# Fashion-MNIST's classes in label order and a colour each: matplotlib's
# tab10, distinct on a dark background and for the common colour-vision deficiencies.
CLASS_NAMES = CLASSES
CLASS_COLOURS = (
    (0.122, 0.467, 0.706),
    (1.000, 0.498, 0.055),
    (0.173, 0.627, 0.173),
    (0.839, 0.153, 0.157),
    (0.580, 0.404, 0.741),
    (0.549, 0.337, 0.294),
    (0.890, 0.467, 0.761),
    (0.498, 0.498, 0.498),
    (0.737, 0.741, 0.133),
    (0.090, 0.745, 0.812),
)
UNKNOWN_COLOUR = (0.8, 0.8, 0.8)


def _interpolate(keys: np.ndarray, values: np.ndarray, query: np.ndarray, count: int) -> np.ndarray:
    """Inverse-square-distance weighted mean of `values` at the `count` rows of `keys` nearest `query`."""
    squared = np.sum((keys - query) ** 2, axis=1)
    count = min(count, len(keys))
    nearest = np.argpartition(squared, count - 1)[:count]
    closest = nearest[np.argmin(squared[nearest])]
    if squared[closest] < EXACT:
        return values[closest].copy()
    weights = 1.0 / squared[nearest]
    return weights @ values[nearest] / weights.sum()


class MapSpace:
    """Garment latents [N, L] and their map; every query answers from these alone (no model needed)."""

    def __init__(self, latents: np.ndarray, garment_map: GarmentMap, neighbours: int = NEIGHBOURS) -> None:
        latents = np.asarray(latents, np.float64)
        if latents.ndim != 2 or garment_map.points.shape != (len(latents), 2):
            raise ValueError(f"map has {garment_map.points.shape[0]} points for {len(latents)} garment latents")
        self.latents, self.points = latents, garment_map.points.astype(np.float64)
        self.labels, self.kind, self.neighbours = garment_map.labels, garment_map.kind, neighbours
        self.trail: deque[tuple[float, float]] = deque(maxlen=TRAIL_LENGTH)
        x_min, y_min, x_max, y_max = self.bounds()
        self.snap_radius = SNAP * max(x_max - x_min, y_max - y_min)

    @classmethod
    def from_model(cls, model) -> MapSpace | None:
        """From a ModelArrays or LoadedModel; None when its file has no map (run `performer map`)."""
        if getattr(model, "garment_map", None) is None or model.garments is None:
            return None
        return cls(model.garments, model.garment_map)

    def bounds(self) -> tuple[float, float, float, float]:
        """(x_min, y_min, x_max, y_max) of the garments' points: what the map panel scales to."""
        low, high = self.points.min(axis=0), self.points.max(axis=0)
        return float(low[0]), float(low[1]), float(high[0]), float(high[1])

    def to_z(self, point) -> np.ndarray:
        """A clicked map point [2] -> latent z [L] (float64): the nearest garment's latent within the snap
        radius, else the blend of the nearest garments."""
        point = np.asarray(point, np.float64)
        nearest = self.nearest(point)
        if np.sum((self.points[nearest] - point) ** 2) <= self.snap_radius**2:
            return self.latents[nearest].copy()
        return _interpolate(self.points, self.latents, point, self.neighbours)

    def to_map(self, z) -> np.ndarray:
        """A latent z [L] -> its map point [2] (float64): where the current position is drawn."""
        return _interpolate(self.latents, self.points, np.asarray(z, np.float64), self.neighbours)

    def nearest(self, point) -> int:
        """The garment whose point is nearest a map point (hover shows it)."""
        return int(np.argmin(np.sum((self.points - np.asarray(point, np.float64)) ** 2, axis=1)))

    def visit(self, z) -> tuple[float, float]:
        """Add the map point of z to the trail (skipped when it has not moved) and return it."""
        x, y = (float(v) for v in self.to_map(z))
        if not self.trail or self.trail[-1] != (x, y):
            self.trail.append((x, y))
        return x, y

    def legend(self) -> list[tuple[str, tuple[float, float, float]]]:
        """(class name, RGB 0..1) of every class present, in label order."""
        present = sorted({int(label) for label in self.labels})
        return [(class_name(label), class_colour(label)) for label in present]

    def colours(self) -> np.ndarray:
        """[N, 3] float32 RGB of every garment's point by its class."""
        return np.array([class_colour(int(label)) for label in self.labels], np.float32)


def class_name(label: int) -> str:
    return CLASS_NAMES[label] if 0 <= label < len(CLASS_NAMES) else "unknown" if label == UNKNOWN_LABEL else str(label)


def class_colour(label: int) -> tuple[float, float, float]:
    return CLASS_COLOURS[label % len(CLASS_COLOURS)] if label >= 0 else UNKNOWN_COLOUR
