"""`performer sample`: a grid of decoded samples at any resolution, from random z, given z, or a path."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from performer.paths import DEFAULT_MODEL

if TYPE_CHECKING:  # torch is imported when the command runs
    import torch


def parse_z(text: str, latent_dim: int) -> torch.Tensor:
    """'0.1,-2,...' (latent_dim comma-separated numbers) -> [latent_dim]."""
    import torch

    try:
        values = [float(v) for v in text.split(",")]
    except ValueError as exc:
        raise ValueError(f"z must be {latent_dim} comma-separated numbers, got {text!r}") from exc
    if len(values) != latent_dim:
        raise ValueError(f"z must have {latent_dim} values, got {len(values)} in {text!r}")
    return torch.tensor(values)


def slerp(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Spherical interpolation a -> b at t [N]; keeps the norm typical of the Gaussian prior."""
    import torch

    cos = torch.dot(a / a.norm(), b / b.norm()).clamp(-1.0, 1.0)
    omega = torch.arccos(cos)
    if omega.abs() < 1e-4:
        return a[None] + t[:, None] * (b - a)[None]
    so = torch.sin(omega)
    return (torch.sin((1 - t) * omega) / so)[:, None] * a[None] + (torch.sin(t * omega) / so)[:, None] * b[None]


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("sample", description=__doc__)
    p.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="model .safetensors (default: shipped)")
    p.add_argument("--out", type=Path, default=Path("samples.png"))
    p.add_argument("--grid", type=int, default=8, help="tiles per side (grid x grid tiles)")
    p.add_argument("--size", default="256", help="tile size: N or WxH (any aspect)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--z", action="append", help="a z as comma-separated numbers (repeatable)")
    p.add_argument(
        "--interpolate",
        nargs=2,
        metavar=("Z_FROM", "Z_TO"),
        help="tiles walk from one z to the other (spherical interpolation)",
    )
    p.add_argument("--temperature", type=float, default=1.0, help="std of the random z's")
    p.add_argument(
        "--source",
        choices=("normal", "learned", "jump"),
        default="normal",
        help="where random z's come from: N(0, I) (default), the model's learned prior, or R's jumps "
        "(a real garment's latent varied a little, as the show's R does)",
    )
    return p


def random_latents(model, source: str, count: int, seed: int, temperature: float):
    """`count` random z's as the show would find them (see --source); ValueError when the model lacks it."""
    import numpy as np
    import torch

    dim = model.config.latent_dim
    if source == "normal":
        return torch.randn(count, dim, generator=torch.Generator().manual_seed(seed)) * temperature
    rng = np.random.default_rng(seed)
    if source == "learned":
        if model.prior is None:
            raise ValueError(f"{model.path}: no learned prior in the file (--source normal)")
        return torch.from_numpy(np.asarray(model.prior.sample(rng, count), np.float32))
    from performer.model.garments import garment_jumps

    if model.garments is None or not len(model.garments):
        raise ValueError(f"{model.path}: no garment latents in the file (--source normal)")
    return torch.from_numpy(np.asarray(garment_jumps(np.asarray(model.garments), rng, count), np.float32))


def run(args: argparse.Namespace) -> int:
    import imageio.v3 as iio
    import torch

    from performer.grid import tile
    from performer.model.checkpoint import ModelFileError, load_model

    try:
        width, _, height = args.size.partition("x")
        width, height = int(width), int(height or width)
        if not (1 <= width <= 8192 and 1 <= height <= 8192):
            raise ValueError(f"tile size must be 1..8192, got {args.size}")
        model = load_model(args.model)
        dim, count = model.config.latent_dim, args.grid * args.grid
        if args.interpolate:
            a, b = (parse_z(text, dim) for text in args.interpolate)
            z = slerp(a, b, torch.linspace(0, 1, count))
        elif args.z:
            z = torch.stack([parse_z(text, dim) for text in args.z])
        else:
            z = random_latents(model, args.source, count, args.seed, args.temperature)
    except (ModelFileError, ValueError) as exc:
        print(f"error: {exc}")
        return 2
    with torch.no_grad():
        images = torch.cat([model.generator.render(chunk, width, height) for chunk in z.split(8)])
    columns = min(args.grid, z.shape[0])
    iio.imwrite(args.out, tile(images, columns))
    print(f"wrote {args.out}: {z.shape[0]} tiles of {width}x{height}")
    return 0
