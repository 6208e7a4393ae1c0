"""A point of the space with the view parameters a landmark or walk may set, and how it goes onto the state."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from performer.palettes import PALETTE_NAMES
from performer.state import PerformanceState

# Parameters a landmark or a walk may carry besides z. Palette is a name in files, an index in the state.
# the view and print parameters a landmark or a walk point may carry besides z (state names)
PRINT_PARAMS = ("print_a", "print_b", "print_mix", "print_opacity", "print_scale")
POSE_PARAMS = ("palette", "zoom", *PRINT_PARAMS)


@dataclass(frozen=True)
class Pose:
    z: np.ndarray  # float64 [latent_dim]
    params: dict[str, float] = field(default_factory=dict)  # subset of POSE_PARAMS, state units


def palette_index(name: str) -> int:
    if name not in PALETTE_NAMES:
        raise ValueError(f"unknown palette {name!r}; known: {', '.join(PALETTE_NAMES)}")
    return PALETTE_NAMES.index(name)


def apply_pose(state: PerformanceState, pose: Pose) -> None:
    """Write the pose; parameters the state does not have yet (from an older state table) are skipped."""
    state.set_z(pose.z)
    for name, value in pose.params.items():
        if name in state.params:
            state.set(name, value)
