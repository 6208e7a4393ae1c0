"""`performer export-isf --out garment.fs`: the model as a standalone ISF generator (VDMX, MadMapper, Resolume,
the ISF Editor: the latents and the look as the host's own sliders) and as plain GLSL beside it
(garment_shadertoy.glsl: Shadertoy's mainImage, or TouchDesigner's GLSL TOP with PERFORMER_UNIFORMS).

The inputs' defaults are a landmark's (the first, or --landmark); the Shadertoy version walks through all of
them. The weights are baked into the source: export again after training.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from performer.paths import DEFAULT_LANDMARKS, DEFAULT_MODEL


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("export-isf", description=__doc__)
    p.add_argument("--out", type=Path, required=True, help="the ISF file to write (.fs)")
    p.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="model .safetensors (default: shipped)")
    p.add_argument("--glsl", type=Path, help="the plain GLSL file (default: OUT's name + _shadertoy.glsl)")
    p.add_argument("--no-glsl", action="store_true", help="write the ISF file only")
    p.add_argument("--landmarks", type=Path, default=DEFAULT_LANDMARKS, help="landmarks file (default: shipped)")
    p.add_argument("--landmark", help="the landmark (name or index) the inputs start at (default: the first)")
    return p


def run(args: argparse.Namespace) -> int:
    from performer.export.cppn_glsl import activation_text
    from performer.export.files import export_files, export_look, plain_glsl_path
    from performer.model.arrays import ModelFileError
    from performer.presets.landmarks import LandmarkError, load_landmarks
    from performer.render.weights import CppnWeights
    from performer.safe_files import WriteError

    try:
        weights = CppnWeights.from_file(args.model)
    except ModelFileError as exc:
        print(f"error: {exc}")
        return 2
    if weights.modulated:
        print(f"error: {args.model}: its weights change with z every frame, which an ISF shader cannot do per frame")
        return 2
    landmarks = None
    if args.landmarks.is_file():
        try:
            landmarks = load_landmarks(args.landmarks, weights.latent_dim)
        except LandmarkError as exc:
            print(f"note: landmarks not used ({exc}); the defaults are the model's first garment")
    elif args.landmark is not None:
        print(f"error: no landmarks file {args.landmarks} to find {args.landmark!r} in")
        return 2
    key = int(args.landmark) if args.landmark is not None and args.landmark.isdigit() else args.landmark
    try:
        look = export_look(weights, landmarks, key)
    except KeyError as exc:
        print(f"error: {exc.args[0]}")
        return 2
    glsl = None if args.no_glsl else (args.glsl or plain_glsl_path(args.out))
    try:
        files = export_files(weights, look, args.out, glsl, args.model.name)
    except WriteError as exc:
        print(f"error: {exc}")
        return 1
    cost = files.cost
    print(f"wrote {files.isf} ({files.isf_bytes / 1024:.0f} KB): ISF 2 generator, {weights.latent_dim} latents + look")
    if files.glsl is not None:
        walk = len(look.walk) or 1
        print(f"wrote {files.glsl} ({files.glsl_bytes / 1024:.0f} KB): Shadertoy mainImage (walks {walk} garments)")
    print(
        f"per pixel: {cost.total_macs:,} multiply-adds ({cost.network_macs:,} network + {cost.latent_macs:,} "
        f"latent terms, computed per pixel) and {activation_text(cost)}"
    )
    return 0
