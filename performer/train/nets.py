"""The three networks of a training run and their optimisers."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from performer.model.config import ModelConfig
from performer.model.cppn import CPPN, Discriminator, Encoder
from performer.train.config import TrainConfig
from performer.train.teacher import ConvDecoder


def pick_device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


@dataclass
class Nets:
    generator: CPPN | ConvDecoder
    encoder: Encoder
    discriminator: Discriminator
    opt_vae: torch.optim.Optimizer
    opt_disc: torch.optim.Optimizer


def build_nets(config: ModelConfig, train: TrainConfig, device: torch.device) -> Nets:
    generator = CPPN(config) if train.decoder == "cppn" else ConvDecoder(config, train.teacher_width)
    generator, encoder, disc = generator.to(device), Encoder(config).to(device), Discriminator(config).to(device)
    opt_vae = torch.optim.Adam([*generator.parameters(), *encoder.parameters()], lr=train.lr)
    opt_disc = torch.optim.Adam(disc.parameters(), lr=train.lr_disc, betas=(0.5, 0.999))
    return Nets(generator, encoder, disc, opt_vae, opt_disc)


def feature_distance(critic, real: torch.Tensor, recon: torch.Tensor) -> torch.Tensor:
    """Summed squared difference of the critic's features of real images and their reconstructions, per
    image; the gradient flows through the reconstructions only."""
    with torch.no_grad():
        target = critic.features(real)
    return (critic.features(recon) - target).pow(2).sum() / real.shape[0]
