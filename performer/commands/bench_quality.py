"""`performer bench-quality`: how good is the space wherever a performer goes? One or more models judged in
one run by the same classifier, seed and floor (performer/quality_report.py says what each number means)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from performer.paths import DEFAULT_MODEL


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("bench-quality", description=__doc__)
    p.add_argument(
        "--model",
        type=Path,
        action="append",
        help=f"a model or checkpoint .safetensors; repeat to compare (default {DEFAULT_MODEL})",
    )
    p.add_argument(
        "--teacher",
        type=Path,
        action="append",
        default=[],
        help="a distillation teacher's checkpoint (OUT/teacher/checkpoint.safetensors) to judge too; repeatable",
    )
    p.add_argument("--samples", type=int, default=2000, help="images per place (default 2000)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--truncation",
        type=float,
        action="append",
        default=[],
        help="also judge the prior's samples scaled by this (StyleGAN's psi, e.g. 0.8) and the learned prior's "
        "components narrowed by it; repeatable",
    )
    p.add_argument("--json", action="store_true", help="print every number as JSON instead of the table")
    return p


def learned_prior(model):
    """The file's learned prior; for a file from before them, one fitted here to its garment latents."""
    if model.prior is not None or model.garments is None:
        return model.prior
    from performer.model.prior import fit_mixture

    print(f"{model.path.name}: no learned prior in the file; fitted one to its {len(model.garments)} garment latents")
    return fit_mixture(model.garments)


def column_names(paths: list[Path]) -> list[str]:
    """Each model's column heading: its file name's stem (a checkpoint's: its folder's name), with its folder
    when two stems are the same."""
    stems = [p.parent.name if p.stem == "checkpoint" else p.stem for p in paths]
    return [f"{p.parent.name}/{stem}" if stems.count(stem) > 1 else stem for p, stem in zip(paths, stems, strict=True)]


def run(args: argparse.Namespace) -> int:
    from performer.model.checkpoint import ModelFileError, load_model
    from performer.quality import cached_classifier
    from performer.quality_report import Judge, markdown_table

    if any(not 0.0 < psi <= 4.0 for psi in args.truncation):
        print(f"error: --truncation takes a scale in (0, 4], got {args.truncation}")
        return 2
    paths = args.model or ([] if args.teacher else [DEFAULT_MODEL])
    try:
        models = [load_model(path) for path in paths]
        if args.teacher:
            import torch

            from performer.data.fashion_mnist import load_fashion_mnist
            from performer.train.teacher import load_teacher

            train_images = torch.from_numpy(load_fashion_mnist("train")[0].copy()).float().div(255.0).unsqueeze(1)
            models += [load_teacher(path, train_images) for path in args.teacher]
            paths = [*paths, *args.teacher]
    except ModelFileError as exc:
        print(f"error: {exc}")
        return 2
    for path, model in zip(paths, models, strict=True):
        if model.config.channels != 1 or model.config.image_size != 28:
            print(f"error: {path}: bench-quality judges grey 28x28 Fashion-MNIST models only")
            return 2
    judge = Judge(cached_classifier(), args.samples, args.seed, tuple(args.truncation))
    results = [judge.evaluate(m.generator, m.encoder, m.garments, learned_prior(m)) for m in models]
    if args.json:
        print(
            json.dumps(
                {
                    "floor": judge.floor,
                    "real": judge.real,
                    "classifier_test_accuracy": judge.accuracy,
                    "models": dict(zip(map(str, paths), results, strict=True)),
                },
                indent=1,
            )
        )
    else:
        print(markdown_table(column_names(paths), results, judge))
    return 0
