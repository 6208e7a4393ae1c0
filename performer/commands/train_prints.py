"""`performer train-prints STYLE... --out models/prints/NAME`: train one network that holds every print.

A style is an image file (its stem names the print) or `procedural:NAME` for a texture made by code
(stripes, polka_dots, houndstooth, leopard). Content images are garments drawn by the CPPN model itself
plus Fashion-MNIST upscaled. Writes NAME.safetensors and a preview grid per epoch (--preview-dir).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from performer.paths import DEFAULT_MODEL

log = logging.getLogger(__name__)


def add_parser(subparsers) -> argparse.ArgumentParser:
    from performer.prints.train import TrainPrintsConfig

    d = TrainPrintsConfig()
    p = subparsers.add_parser("train-prints", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("styles", nargs="+", help="style images, or procedural:NAME")
    p.add_argument("--out", type=Path, required=True, help="output path; .safetensors is added if missing")
    p.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="CPPN model drawing the content garments")
    p.add_argument("--no-cppn", action="store_true", help="content from Fashion-MNIST only")
    p.add_argument("--no-mnist", action="store_true", help="content from the CPPN only")
    p.add_argument(
        "--vgg",
        type=Path,
        help="torchvision VGG16 weights you have (.safetensors or .pth state dict); "
        "default: a fixed random multi-scale loss network",
    )
    p.add_argument(
        "--loss-net",
        type=Path,
        help="the loss network trained here (`performer train-loss-net`), e.g. models/prints/loss_net.safetensors",
    )
    p.add_argument("--epochs", type=int, default=d.epochs)
    p.add_argument("--steps", type=int, default=d.steps_per_epoch, help="steps per epoch")
    p.add_argument("--batch", type=int, default=d.batch)
    p.add_argument("--size", type=int, default=d.size, help="training resolution (multiple of 4)")
    p.add_argument("--lr", type=float, default=d.lr)
    p.add_argument("--style-weight", type=float, default=d.style_weight)
    p.add_argument("--content-weight", type=float, default=d.content_weight)
    p.add_argument("--width", type=int, default=d.width, help="network channels (cost grows with its square)")
    p.add_argument("--blocks", type=int, default=d.residual_blocks, help="residual blocks")
    p.add_argument("--seed", type=int, default=d.seed)
    p.add_argument("--preview-dir", type=Path, help="preview grid per epoch here (default: runs/prints/NAME)")
    p.add_argument("--threads", type=int, help="torch CPU threads")
    p.add_argument("--device", help="cpu or cuda (default: cuda when present)")
    return p


def run(args: argparse.Namespace) -> int:
    import torch

    from performer.model.checkpoint import ModelFileError
    from performer.prints.features import FeatureError
    from performer.prints.train import ContentSource, TrainPrintsConfig, render_cppn_pool, train_prints

    if args.threads:
        torch.set_num_threads(args.threads)
    try:
        config = TrainPrintsConfig(
            epochs=args.epochs,
            steps_per_epoch=args.steps,
            batch=args.batch,
            size=args.size,
            lr=args.lr,
            style_weight=args.style_weight,
            content_weight=args.content_weight,
            seed=args.seed,
            width=args.width,
            residual_blocks=args.blocks,
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    cppn = mnist = None
    if not args.no_cppn:
        try:
            cppn = render_cppn_pool(args.model, config.cppn_pool, config.size, config.seed)
        except ModelFileError as exc:
            print(f"error: {exc} (or pass --no-cppn)", file=sys.stderr)
            return 2
    if not args.no_mnist:
        from performer.data.fashion_mnist import load_fashion_mnist

        try:
            mnist = load_fashion_mnist("train")[0]
        except (FileNotFoundError, ValueError) as exc:
            if cppn is None:
                print(f"error: {exc}", file=sys.stderr)
                return 2
            log.warning("training on CPPN garments only: %s", exc)
    try:
        content = ContentSource(config.size, cppn, mnist, config.cppn_fraction, config.seed)
        preview_dir = args.preview_dir or Path("runs") / "prints" / args.out.stem
        path = train_prints(
            args.styles, args.out, content, config, args.vgg, preview_dir, args.device, loss_net=args.loss_net
        )
    except (ValueError, FeatureError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    size_kb = path.stat().st_size / 1024
    print(f"wrote {path} ({size_kb:.0f} KB); previews in {preview_dir}")
    return 0
