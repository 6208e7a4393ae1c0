"""`performer map`: add the garments' 2-D map and class labels (model/garment_map.py) to a model file
whose garment latents were written before the map existed. The garments are found again in Fashion-MNIST's
training images by their seeded pick and checked by encoding them again; everything else in the file is
kept as it was. UMAP when `umap-learn` is installed (`pip install .[map]`), else PCA.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from performer.paths import DEFAULT_MODEL


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("map", description=__doc__)
    p.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="model .safetensors (default: shipped)")
    p.add_argument("--seed", type=int, default=0, help="the seed the garments were picked with (export: 0)")
    p.add_argument("--embedding", choices=("auto", "pca"), default="auto", help="auto: UMAP when installed, else PCA")
    return p


def run(args: argparse.Namespace) -> int:
    import numpy as np
    import torch

    from performer.data.fashion_mnist import load_fashion_mnist
    from performer.model.arrays import ModelFileError
    from performer.safe_files import WriteError
    from performer.train.map_export import add_map

    try:
        images, labels = load_fashion_mnist("train")
        pixels = torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1)
        kind = add_map(args.model, pixels, labels, args.seed, args.embedding)
    except (ModelFileError, WriteError, FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}")
        return 2
    print(f"{args.model}: map of the garments written ({kind})")
    return 0
