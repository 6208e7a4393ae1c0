"""Colour palettes that map the CPPN's grey output to colour: a data table the renderer uploads as a texture.

Each palette is a list of (position, (r, g, b)) stops over the grey value 0..1, linearly interpolated.
"grey" keeps the model's original output.
"""

from __future__ import annotations

import numpy as np

PALETTES: dict[str, tuple[tuple[float, tuple[float, float, float]], ...]] = {
    "grey": ((0.0, (0.0, 0.0, 0.0)), (1.0, (1.0, 1.0, 1.0))),
    "ink": ((0.0, (1.0, 1.0, 1.0)), (1.0, (0.05, 0.05, 0.12))),
    "denim": ((0.0, (0.02, 0.03, 0.08)), (0.5, (0.13, 0.25, 0.50)), (1.0, (0.78, 0.85, 0.95))),
    "ember": ((0.0, (0.0, 0.0, 0.0)), (0.35, (0.55, 0.05, 0.02)), (0.7, (0.98, 0.55, 0.08)), (1.0, (1.0, 0.97, 0.80))),
    "neon": ((0.0, (0.02, 0.0, 0.06)), (0.4, (0.55, 0.0, 0.85)), (0.75, (0.0, 0.95, 0.90)), (1.0, (0.95, 1.0, 0.6))),
    "gold": ((0.0, (0.05, 0.03, 0.0)), (0.6, (0.72, 0.52, 0.15)), (1.0, (1.0, 0.93, 0.70))),
    "rose": ((0.0, (0.1, 0.02, 0.05)), (0.5, (0.85, 0.35, 0.50)), (1.0, (1.0, 0.90, 0.92))),
    "thermal": (
        (0.0, (0.0, 0.0, 0.3)),
        (0.3, (0.0, 0.7, 0.9)),
        (0.55, (0.2, 0.9, 0.2)),
        (0.8, (1.0, 0.85, 0.0)),
        (1.0, (1.0, 0.1, 0.0)),
    ),
}
PALETTE_NAMES = tuple(PALETTES)


def palette_table(width: int = 256) -> np.ndarray:
    """All palettes as a float32 [len(PALETTES), width, 3] lookup table (one row per palette)."""
    x = np.linspace(0.0, 1.0, width)
    rows = []
    for stops in PALETTES.values():
        positions = [p for p, _ in stops]
        colours = np.array([c for _, c in stops], dtype=np.float64)
        rows.append(np.stack([np.interp(x, positions, colours[:, k]) for k in range(3)], axis=-1))
    return np.asarray(rows, dtype=np.float32)
