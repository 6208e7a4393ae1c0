"""`performer landmarks`: list the landmarks, write a contact sheet PNG (garment, signature diagram, name)
and one signature diagram PNG per landmark. `--generate` (re)builds them for a model: one per
Fashion-MNIST class by encoding real examples, plus striking points found by exploring; landmarks saved
by hand (any other name) are kept. `--add NAME --image FILE` encodes a photo or drawing of a garment into a
new landmark.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from performer.paths import DEFAULT_LANDMARKS, DEFAULT_MODEL


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("landmarks", description=__doc__)
    p.add_argument("--file", type=Path, default=DEFAULT_LANDMARKS, help="landmarks file (default: shipped)")
    p.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="model .safetensors (default: shipped)")
    p.add_argument("--sheet", type=Path, default=Path("out/landmarks.png"), help="contact sheet PNG to write")
    p.add_argument("--diagrams", type=Path, default=Path("out/landmarks"), help="folder for one diagram each")
    p.add_argument("--generate", action="store_true", help="rebuild class and striking landmarks from the model")
    p.add_argument("--striking", type=int, default=5, help="how many striking points --generate finds")
    p.add_argument("--seed", type=int, default=0, help="seed of the exploration for striking points")
    p.add_argument("--add", metavar="NAME", help="add a landmark: NAME, at the place of --image in the space")
    p.add_argument("--image", type=Path, help="a photo or drawing of a garment to encode (with --add)")
    return p


def add_from_image(args: argparse.Namespace, model) -> list:
    from performer.presets.from_image import encode_image
    from performer.presets.landmarks import Landmark, add_landmark, load_landmarks

    z, _ = encode_image(model, args.image)
    saved = add_landmark(args.file, Landmark(args.add, tuple(float(v) for v in z), note=f"from {args.image.name}"))
    print(f"added {saved.name!r} to {args.file}: z [{' '.join(f'{v:+.2f}' for v in z)}]")
    return load_landmarks(args.file, model.config.latent_dim)


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "landmark"


def generate(args: argparse.Namespace, model) -> list:
    from performer.data.fashion_mnist import CLASSES, load_fashion_mnist
    from performer.presets.finder import class_landmarks, striking_landmarks
    from performer.presets.landmarks import load_landmarks, save_landmarks

    images, labels = load_fashion_mnist("test")
    found = class_landmarks(model, images, labels, CLASSES) + striking_landmarks(model, args.striking, seed=args.seed)
    generated = {lm.name for lm in found}
    kept = []
    if args.file.exists():
        kept = [
            lm for lm in load_landmarks(args.file) if lm.name not in generated and not lm.name.startswith("striking ")
        ]
    save_landmarks(args.file, found + kept, args.model.name)
    print(f"wrote {args.file}: {len(found)} generated, {len(kept)} kept")
    return found + kept


def run(args: argparse.Namespace) -> int:
    import imageio.v3 as iio

    from performer.model.checkpoint import ModelFileError, load_model
    from performer.presets.from_image import ImageError
    from performer.presets.landmarks import LandmarkError, load_landmarks
    from performer.presets.signature import contact_sheet, signature_image

    try:
        model = load_model(args.model)
        if (args.add is None) != (args.image is None):
            raise ValueError("--add NAME and --image FILE go together")
        if args.generate:
            landmarks = generate(args, model)
        elif args.add:
            landmarks = add_from_image(args, model)
        else:
            landmarks = load_landmarks(args.file, model.config.latent_dim)
    except (ModelFileError, LandmarkError, ImageError, FileNotFoundError, ValueError) as exc:
        print(f"performer landmarks: {exc}", file=sys.stderr)
        return 2
    if not landmarks:
        print(f"{args.file}: no landmarks (performer landmarks --generate makes them)")
        return 0
    width = max(len(lm.name) for lm in landmarks)
    for i, lm in enumerate(landmarks):
        looks = {"palette": lm.palette, "zoom": lm.zoom, **lm.prints}
        extras = " ".join(
            f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in looks.items() if v is not None
        )
        z = " ".join(f"{v:+.2f}" for v in lm.z)
        print(f"{i:3d}  {lm.name:<{width}}  z [{z}]  {extras}")
    args.diagrams.mkdir(parents=True, exist_ok=True)
    for lm in landmarks:
        iio.imwrite(args.diagrams / f"{slug(lm.name)}.png", signature_image(lm.z, 64))
    args.sheet.parent.mkdir(parents=True, exist_ok=True)
    iio.imwrite(args.sheet, contact_sheet(landmarks, model.generator))
    print(f"wrote {args.sheet} (contact sheet) and {len(landmarks)} diagrams in {args.diagrams}/")
    return 0
