"""`performer bench-quality`: how good are the model's samples? (classifier confidence, classes, recon)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from performer.commands.sample import DEFAULT_MODEL
from performer.model.checkpoint import ModelFileError, load_model


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("bench-quality", help="measure sample quality", description=__doc__)
    p.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    p.add_argument("--samples", type=int, default=1000)
    p.add_argument("--seed", type=int, default=0)
    return p


def run(args: argparse.Namespace) -> int:
    from performer.quality import cached_classifier, evaluate

    try:
        model = load_model(args.model)
    except ModelFileError as exc:
        print(f"error: {exc}")
        return 2
    if model.config.channels != 1 or model.config.image_size != 28:
        print("error: bench-quality judges grey 28x28 Fashion-MNIST models only")
        return 2
    result = evaluate(model.generator, model.encoder, cached_classifier(), args.samples, args.seed, model.garments)
    print(json.dumps({"model": str(args.model), **result}, indent=1))
    return 0
