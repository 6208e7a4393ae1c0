"""`performer train`: train the GAN-VAE-CPPN on Fashion-MNIST or a folder of images."""

from __future__ import annotations

import argparse
import dataclasses
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from performer.train.config import TrainConfig

if TYPE_CHECKING:  # torch is imported when the command runs
    import torch

log = logging.getLogger(__name__)


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("train", description=__doc__)
    p.add_argument(
        "--data", default="fashion-mnist", help="'fashion-mnist' (Debian package, default) or a folder of images"
    )
    p.add_argument("--out", type=Path, default=Path("runs/train"), help="folder for samples and checkpoints")
    p.add_argument("--export", type=Path, help="also write the final model (generator + encoder) here")
    p.add_argument("--resume", type=Path, help="continue from a checkpoint.safetensors")
    p.add_argument(
        "--recipe", type=Path, help="run the stages of a recipe YAML (models/fashion.recipe.yaml); again: carries on"
    )
    p.add_argument("--timelapse", action="store_true", help="write timelapse.mp4 of the fixed z's per epoch")
    p.add_argument("--channels", type=int, choices=(1, 3), help="1 = grey, 3 = colour (folders: default 3)")
    p.add_argument("--image-size", type=int, help="training resolution (default 28)")
    p.add_argument("--hidden", type=int, help="CPPN width (per-pixel shader cost grows with its square)")
    p.add_argument("--depth", type=int, help="CPPN layers")
    p.add_argument("--sine-units", type=int, help="layer-0 units with sin instead of tanh (Fourier features)")
    p.add_argument("--latent-mapping", type=int, help="z -> tanh(A z + a) of this width before the per-frame terms")
    p.add_argument("--weight-modulation", type=int, help="rank R of z's per-frame modulation of the hidden weights")
    p.add_argument("--threads", type=int, help="CPU threads for torch (default: torch's choice)")
    for field in dataclasses.fields(TrainConfig):
        flag, help_text = f"--{field.name.replace('_', '-')}", f"(default {field.default})"
        if isinstance(field.default, bool):  # --flag / --no-flag: type=bool would read "False" as true
            p.add_argument(flag, action=argparse.BooleanOptionalAction, default=None, help=help_text)
        else:
            p.add_argument(flag, type=type(field.default), default=None, help=help_text)
    return p


def load_labels(data: str):
    """The class of every training image (numpy [N]) for the garments' map, None for a folder of images."""
    if data != "fashion-mnist":
        return None
    from performer.data.fashion_mnist import load_fashion_mnist

    return load_fashion_mnist("train")[1]


def load_images(data: str, size: int, channels: int) -> torch.Tensor:
    """[N, C, S, S] float32 in [0, 1]."""
    import numpy as np
    import torch

    if data == "fashion-mnist":
        from performer.data.fashion_mnist import load_fashion_mnist

        images, _ = load_fashion_mnist("train")
        return torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1)
    from performer.data.image_folder import load_image_folder

    images, skipped = load_image_folder(Path(data), size, channels)
    if skipped:
        print(f"skipped {len(skipped)} unreadable file(s): {', '.join(skipped[:5])}")
    return torch.from_numpy(images)


def stage_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="performer")
    add_parser(parser.add_subparsers(dest="command", required=True))
    return parser


def run_recipe(path: Path) -> int:
    """Each stage of the recipe in turn, as `performer train` with its flags; all are parsed before any runs."""
    from performer.train.recipe import RecipeError, load_recipe

    try:
        stages = load_recipe(path)
    except RecipeError as exc:
        print(f"error: {exc}")
        return 2
    parser = stage_parser()
    for stage in stages:
        try:
            parser.parse_args(stage.argv())
        except SystemExit:  # argparse has printed what is wrong with which flag
            print(f"error: {path} stage {stage.number}: a flag above is not `performer train`'s")
            return 2
    for stage in stages:
        if stage.done():
            print(f"recipe stage {stage.number}/{len(stages)}: done before ({stage.out / 'recipe-stage.json'})")
            continue
        argv = stage.argv(resume=stage.resumable())
        print(f"recipe stage {stage.number}/{len(stages)}: performer {' '.join(argv)}")
        code = run(parser.parse_args(argv))
        if code:
            return code
        stage.mark_done()
    return 0


def run(args: argparse.Namespace) -> int:
    if args.recipe:
        given = [name for name in ("export", "resume") if getattr(args, name)]
        given += [f.name for f in dataclasses.fields(TrainConfig) if getattr(args, f.name) is not None]
        if given:
            print(f"error: with --recipe every flag is in the file; given here too: {', '.join(given)}")
            return 2
        return run_recipe(args.recipe)
    import torch

    from performer.model.checkpoint import ModelFileError
    from performer.model.config import MACS_PER_PIXEL_BUDGET, ModelConfig
    from performer.train.loop import Trainer

    overrides = {
        f.name: getattr(args, f.name) for f in dataclasses.fields(TrainConfig) if getattr(args, f.name) is not None
    }
    try:
        train = dataclasses.replace(TrainConfig(), **overrides)
    except ValueError as exc:
        print(f"error: {exc}")
        return 2
    if args.threads:
        torch.set_num_threads(args.threads)
    if train.decoder == "conv" and args.export:
        print("error: a conv decoder is a teacher, not a model the shader draws: --teacher-cpu-minutes distils it")
        return 2
    if train.teacher_cpu_minutes and args.resume:
        print("error: a distilled run resumes itself: run the same command with the same --out again")
        return 2
    if train.init and args.resume:
        print("error: --init starts a fine-tune from a model file, --resume carries on a checkpoint: use one")
        return 2
    if train.init and not train.critic_warmup_steps:
        train = dataclasses.replace(train, critic_warmup_steps=max(1, train.adv_warmup_steps))
        print(f"fine-tune: the new critic trains alone for the first {train.critic_warmup_steps} steps")
    try:
        if train.init:
            from performer.train.restart import from_model

            trainer = from_model(Path(train.init), train)
            config = trainer.config
            print(f"fine-tuning {train.init}")
        elif args.resume:
            trainer = Trainer.resume(args.resume, train)
            config = trainer.config
            print(f"resuming {args.resume} at epoch {trainer.epoch}, step {trainer.step}")
        else:
            channels = args.channels or (1 if args.data == "fashion-mnist" else 3)
            model_overrides = {"channels": channels}
            if args.image_size:
                model_overrides["image_size"] = args.image_size
            if args.hidden:
                model_overrides["cppn_hidden"] = args.hidden
            if args.depth:
                model_overrides["cppn_depth"] = args.depth
            if args.sine_units is not None:
                model_overrides["cppn_sine_units"] = args.sine_units
            if args.latent_mapping is not None:
                model_overrides["latent_mapping"] = args.latent_mapping
            if args.weight_modulation is not None:
                model_overrides["weight_modulation"] = args.weight_modulation
            config = dataclasses.replace(ModelConfig(), **model_overrides)
            trainer = Trainer(config, train)
        images = load_images(args.data, config.image_size, config.channels)
    except (ModelFileError, ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}")
        return 2
    if images.shape[1] != config.channels or images.shape[-1] != config.image_size:
        print(
            f"error: data is {tuple(images.shape[1:])} but the model wants "
            f"({config.channels}, {config.image_size}, {config.image_size})"
        )
        return 2
    print(
        f"training on {images.shape[0]} images {tuple(images.shape[1:])} on {trainer.device}; "
        f"CPPN {config.cppn_hidden}x{config.cppn_depth}: {config.macs_per_pixel} multiply-adds per pixel"
    )
    if config.macs_per_pixel > MACS_PER_PIXEL_BUDGET:
        print(
            f"note: {config.macs_per_pixel:,} multiply-adds a pixel is over the live shader's budget of "
            f"{MACS_PER_PIXEL_BUDGET:,}: fine offline (render, sample), likely too slow to play at 1080p"
        )
    if train.teacher_cpu_minutes:
        from performer.train.distill import train_distilled

        print(
            f"distilling: a conv teacher for {train.teacher_cpu_minutes:g} CPU-minutes ({args.out / 'teacher'}), "
            f"then the CPPN fitted to it for "
            f"{train.max_cpu_minutes - train.teacher_cpu_minutes - train.tune_cpu_minutes:g}"
            + (f", then tuned by the GAN-VAE for {train.tune_cpu_minutes:g}" if train.tune_cpu_minutes else "")
        )
        trainer = train_distilled(config, train, images, args.out, timelapse=args.timelapse)
        summary = trainer.history[-1] if trainer.history else {}
    else:
        summary = trainer.fit(images, args.out, timelapse=args.timelapse)
    print(f"done: {summary}; checkpoint {args.out / 'checkpoint.safetensors'}")
    if args.export:
        trainer.export(args.export, images, load_labels(args.data))
        print(f"model written to {args.export} ({args.export.stat().st_size // 1024} KB)")
    return 0
