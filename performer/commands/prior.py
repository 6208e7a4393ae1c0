"""`performer prior`: refit a model file's learned prior (model/prior.py) to its encoder's means of 20,000
Fashion-MNIST training images, as export does, with this many components; everything else in the file is
kept. For files exported before the prior had its present size (README, "The learned prior").
"""

from __future__ import annotations

import argparse
from pathlib import Path

from performer.paths import DEFAULT_MODEL


def add_parser(subparsers) -> argparse.ArgumentParser:
    from performer.model.prior import COMPONENTS

    p = subparsers.add_parser("prior", description=__doc__)
    p.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="model .safetensors (default: shipped)")
    p.add_argument("--components", type=int, default=COMPONENTS, help=f"mixture components (default {COMPONENTS})")
    return p


def run(args: argparse.Namespace) -> int:
    import numpy as np
    import torch

    from performer.data.fashion_mnist import load_fashion_mnist
    from performer.model.arrays import ModelFileError
    from performer.safe_files import WriteError
    from performer.train.file_update import refit_prior

    if args.components < 1:
        print(f"error: --components is at least 1, got {args.components}")
        return 2
    try:
        images = torch.from_numpy(load_fashion_mnist("train")[0].astype(np.float32) / 255.0).unsqueeze(1)
        prior = refit_prior(args.model, images, args.components)
    except (ModelFileError, WriteError, FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}")
        return 2
    print(f"{args.model}: learned prior of {len(prior.weights)} components written")
    return 0
