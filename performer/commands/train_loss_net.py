"""`performer train-loss-net --out models/prints/loss_net.safetensors`: train the prints' loss network here.

A small multi-scale conv net (the random loss network's shape) learns to classify code-made texture patches
(stripes, round dots, blotches, square or oval dots, houndstooth, leopard, check, faint spots, noise, flat
colour, Fashion-MNIST garments); `performer train-prints --loss-net FILE` then uses its features for the
style and content losses. On one CPU core the default takes about 12 minutes.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

log = logging.getLogger(__name__)


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "train-loss-net", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--out", type=Path, required=True, help="output .safetensors file")
    p.add_argument("--steps", type=int, default=1200, help="training steps (fresh patches every step)")
    p.add_argument("--batch", type=int, default=48)
    p.add_argument("--size", type=int, default=64, help="patch size in pixels")
    p.add_argument("--lr", type=float, default=2e-3, help="peak learning rate (one-cycle schedule)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--no-mnist", action="store_true", help="no Fashion-MNIST garments among the patches")
    p.add_argument("--threads", type=int, help="torch CPU threads")
    return p


def run(args: argparse.Namespace) -> int:
    import torch

    from performer.prints.trained_features import save_loss_net, train_loss_net
    from performer.safe_files import WriteError

    if args.threads:
        torch.set_num_threads(args.threads)
    if args.steps < 1 or args.batch < 2 or not 16 <= args.size <= 256:
        print("error: need --steps >= 1, --batch >= 2 and --size in 16..256", file=sys.stderr)
        return 2
    if args.out.suffix != ".safetensors":
        print(f"error: {args.out}: the loss network is written as .safetensors", file=sys.stderr)
        return 2
    mnist = None
    if not args.no_mnist:
        from performer.data.fashion_mnist import load_fashion_mnist

        try:
            mnist = load_fashion_mnist("train")[0]
        except (FileNotFoundError, ValueError) as exc:
            log.warning("no garment patches: %s", exc)
    net, info = train_loss_net(args.steps, args.batch, args.size, args.lr, args.seed, mnist)
    try:
        path = save_loss_net(args.out, net, info)
    except WriteError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    accuracy = info["held_out_accuracy"]
    worst = sorted((v, k) for k, v in accuracy.items() if k != "all")[:3]
    print(
        f"wrote {path} ({path.stat().st_size / 1024:.0f} KB) after {info['steps']} steps in "
        f"{info['seconds'] / 60:.1f} min; held-out accuracy {accuracy['all']:.3f} "
        f"(lowest: {', '.join(f'{k} {v:.2f}' for v, k in worst)})"
    )
    return 0
