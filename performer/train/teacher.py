"""The conv teacher: a small deconvolution decoder trained by the same GAN-VAE loop as the CPPN, then
distilled into it (train/distill.py).

Why a teacher: on one CPU core the conv decoder learns the space much faster than the CPPN (weights
shared across pixels, a 7x7 feature map instead of 784 evaluations of a 4-layer MLP; README: at 45
CPU-minutes its R jumps are twice as close to real garments as the 160-minute CPPN's), and it is never
rendered on stage, so its size is free. The CPPN then only has to fit a fixed, deterministic function
z -> image by regression rather than play the GAN game (README, "Distillation": how much it keeps).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from performer.model.config import ModelConfig


class ConvDecoder(nn.Module):
    """z [B, L] -> image [B, C, S, S] in [0, 1] through 7x7 -> 14x14 -> 28x28 feature maps. Called like the
    CPPN (z, coords) -> pixels [B, S*S, C] so the training loop takes either; it renders on its own grid
    only, so the coordinates must be the training grid (no sub-pixel jitter for a teacher)."""

    def __init__(self, config: ModelConfig, width: int = 64) -> None:
        super().__init__()
        if config.image_size != 28:
            raise ValueError(f"the conv teacher draws 28x28 images, the model is {config.image_size}")
        self.config, self.width = config, width
        self.project = nn.Linear(config.latent_dim, width * 7 * 7)
        self.net = nn.Sequential(
            nn.LeakyReLU(0.2),
            nn.ConvTranspose2d(width, width // 2, 4, stride=2, padding=1),  # 7 -> 14
            nn.LeakyReLU(0.2),
            nn.ConvTranspose2d(width // 2, width // 4, 4, stride=2, padding=1),  # 14 -> 28
            nn.LeakyReLU(0.2),
            nn.Conv2d(width // 4, config.channels, 3, padding=1),
            nn.Sigmoid(),
        )

    def images(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(self.project(z).reshape(z.shape[0], self.width, 7, 7))

    def forward(self, z: torch.Tensor, coords: torch.Tensor) -> torch.Tensor:
        size = self.config.image_size
        if coords.shape[0] != size * size:
            raise ValueError("the conv teacher renders on its 28x28 grid only")
        images = self.images(z)
        return images.flatten(2).transpose(1, 2)  # [B, S*S, C] as the CPPN returns

    def render(self, z: torch.Tensor, width: int, height: int | None = None, **_) -> torch.Tensor:
        """For the epoch sample grids: the 28x28 image scaled to width x height (bilinear)."""
        images = self.images(z)
        return F.interpolate(images, size=(height or width, width), mode="bilinear", align_corners=False)


def load_teacher(path, images: torch.Tensor):
    """A teacher's training checkpoint as a LoadedModel (its EMA decoder when it kept one), with garment
    latents and a learned prior fitted here from `images` [N, C, S, S], as an exported model has them:
    so `bench-quality` judges a teacher beside the CPPN distilled from it."""
    import json

    from performer.model.checkpoint import LoadedModel, ModelFileError, load_state, parse_config, read_file
    from performer.model.cppn import Encoder
    from performer.model.garments import encode_garments
    from performer.model.prior import fit_to_encoder

    metadata, tensors = read_file(path)
    config = parse_config(path, metadata)
    info = json.loads(metadata.get("info", "{}"))
    train = info.get("train", {})
    if train.get("decoder") != "conv":
        raise ModelFileError(f"{path}: not a conv teacher's checkpoint")
    decoder, encoder = ConvDecoder(config, train.get("teacher_width", 64)), Encoder(config)
    ema = any(key.startswith("ema.") for key in tensors)
    load_state(path, decoder, "ema" if ema else "generator", tensors)
    load_state(path, encoder, "encoder", tensors)
    decoder.eval().requires_grad_(False)
    encoder.eval().requires_grad_(False)
    garments = encode_garments(encoder, images).numpy()
    prior = fit_to_encoder(encoder, images)
    return LoadedModel(config, decoder, encoder, info, path, garments, prior)
