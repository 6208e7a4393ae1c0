"""`performer recentre`: write a copy of a model file in latent coordinates where N(0, I) falls on the
moments of its garments' aggregate posterior (model/latent_fold.py), measured on Fashion-MNIST training
images. Nothing drawn changes; Shift+R's N(0, I) jump moves. An A/B tool for `performer bench-quality`:
on the shipped model it makes the prior worse (README, "Where N(0, I) lands").
"""

from __future__ import annotations

import argparse
from pathlib import Path

from performer.paths import DEFAULT_MODEL


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("recentre", description=__doc__)
    p.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="model .safetensors (default: shipped)")
    p.add_argument("--out", type=Path, required=True, help="the recentred copy")
    p.add_argument("--mean-only", action="store_true", help="move the mean, keep the scale")
    p.add_argument("--count", type=int, default=20000, help="training images whose posteriors are measured")
    return p


def run(args: argparse.Namespace) -> int:
    import numpy as np
    import torch
    from safetensors import safe_open
    from safetensors.numpy import save_file

    from performer.data.fashion_mnist import load_fashion_mnist
    from performer.model.arrays import ModelFileError
    from performer.model.checkpoint import load_model
    from performer.model.latent_fold import aggregate_moments, fold_latent_change
    from performer.safe_files import WriteError, atomic_path

    try:
        model = load_model(args.model)
        images = torch.from_numpy(load_fashion_mnist("train")[0][: args.count].astype(np.float32) / 255).unsqueeze(1)
        with torch.no_grad():
            parts = [model.encoder(images[i : i + 1000]) for i in range(0, len(images), 1000)]
        means, logvars = (torch.cat(p).numpy() for p in zip(*parts, strict=True))
        centre, covariance = aggregate_moments(means, logvars)
        scale = np.ones_like(centre) if args.mean_only else np.sqrt(np.diag(covariance))
        with safe_open(str(args.model), framework="numpy") as handle:
            metadata = dict(handle.metadata() or {})
            tensors = {key: handle.get_tensor(key) for key in handle.keys()}
        folded = fold_latent_change(tensors, centre, np.diag(scale), bool(model.config.latent_mapping))
        with atomic_path(args.out, "model") as tmp:
            save_file(folded, str(tmp), metadata=metadata)
    except (ModelFileError, WriteError, FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}")
        return 2
    print(f"{args.out}: N(0, I) now at mean {np.round(centre, 2).tolist()}, scales {np.round(scale, 2).tolist()}")
    return 0
