"""Export a model file as the two shader files: the ISF generator (.fs) and the plain GLSL (Shadertoy,
TouchDesigner), with the landmarks as the defaults and the Shadertoy walk. No torch, no GL."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from performer.export.cppn_glsl import ShaderCost, shader_cost
from performer.export.isf import ExportLook, isf_source, shadertoy_source
from performer.palettes import PALETTE_NAMES
from performer.render.weights import CppnWeights
from performer.safe_files import atomic_write_text

log = logging.getLogger(__name__)

WALK_GARMENTS = 8  # the Shadertoy walk's length when there are no landmarks: the model's first real garments


@dataclass(frozen=True)
class ExportedFiles:
    isf: Path
    glsl: Path | None
    look: ExportLook
    cost: ShaderCost
    isf_bytes: int
    glsl_bytes: int


def plain_glsl_path(isf: Path) -> Path:
    """garment.fs -> garment_shadertoy.glsl"""
    return isf.with_name(f"{isf.stem}_shadertoy.glsl")


def export_look(weights: CppnWeights, landmarks: list | None, chosen: str | None = None) -> ExportLook:
    """The defaults: the chosen landmark (or the first) with its palette and zoom; the Shadertoy walk goes
    through every landmark. Without landmarks: the model's first real garment and a walk through its first
    WALK_GARMENTS, else z = 0. `landmarks`: performer.presets.landmarks.Landmark objects of this latent size."""
    dim = weights.latent_dim
    if landmarks:
        from performer.presets.landmarks import find_landmark

        start = find_landmark(landmarks, chosen) if chosen is not None else landmarks[0]
        palette = PALETTE_NAMES.index(start.palette) if start.palette in PALETTE_NAMES else 0
        walk = tuple(tuple(float(v) for v in lm.z) for lm in landmarks)
        return ExportLook(z=tuple(float(v) for v in start.z), zoom=start.zoom or 1.0, palette=palette, walk=walk)
    if chosen is not None:
        raise KeyError(f"no landmarks to find {chosen!r} in")
    if weights.garments is not None and len(weights.garments):
        garments = np.asarray(weights.garments[:WALK_GARMENTS], dtype=np.float64)
        return ExportLook(z=tuple(garments[0]), walk=tuple(tuple(row) for row in garments))
    return ExportLook(z=(0.0,) * dim)


def export_files(
    weights: CppnWeights, look: ExportLook, isf: Path, glsl: Path | None, model_name: str
) -> ExportedFiles:
    """Write the .fs (and the plain GLSL unless glsl is None), each atomically; WriteError says why not."""
    isf_text = isf_source(weights, look, model_name)
    atomic_write_text(isf, isf_text, "ISF shader")
    glsl_bytes = 0
    if glsl is not None:
        glsl_text = shadertoy_source(weights, look, model_name)
        atomic_write_text(glsl, glsl_text, "GLSL shader")
        glsl_bytes = len(glsl_text.encode())
    log.info("exported %s (%d bytes) from %s", isf, len(isf_text.encode()), model_name)
    return ExportedFiles(isf, glsl, look, shader_cost(weights), len(isf_text.encode()), glsl_bytes)
