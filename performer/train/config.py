"""Training hyper-parameters, frozen and stored in the checkpoint beside the model config."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = 40
    max_minutes: float = 0.0  # stop after this wall time (0 = no limit); the epoch in progress is kept
    # CPU time is the budget that means the same on a shared machine: the work an idle 2-core machine
    # does in about that many wall minutes (the process's CPU time over both cores, summed)
    max_cpu_minutes: float = 0.0  # 0 = no limit
    max_steps: int = 0  # stop after this many optimiser steps (0 = no limit); for tests and smoke runs
    batch_size: int = 128
    lr: float = 1e-3  # encoder + generator (Adam)
    lr_disc: float = 2e-4  # discriminator (Adam, beta1 = 0.5 as is usual for GANs)
    kl_weight: float = 1.0  # on the summed KL; 1.0 is the plain ELBO with a summed Bernoulli likelihood
    # InfoVAE's term (train/latent_match.py): the batch's posterior samples against prior samples by maximum
    # mean discrepancy, so the garments as a whole fill N(0, I), where Shift+R jumps. 0 = off.
    mmd_weight: float = 0.0
    adv_weight: float = 30.0  # hinge generator loss on prior samples, relative to the summed recon loss
    adv_warmup_steps: int = 500  # the VAE finds the space first; then the critic sharpens it
    # A fine-tune (init) starts a new critic beside a trained generator: its first steps train the critic
    # alone, so the generator is not pushed by a critic that has not yet learnt the space; it replaces
    # adv_warmup_steps (the generator never trains without the critic). 0 = none.
    critic_warmup_steps: int = 0
    # a model file (generator + encoder, e.g. models/fashion.safetensors) to start from; "" = a new model
    init: str = ""
    # VAE-GAN (Larsen et al.): the critic also judges reconstructions G(z_q), and the generator is pushed to
    # make them real, so the encoded region (landmarks, R, drawings) is sharpened, not only the prior's.
    recon_adv_weight: float = 0.0  # 0 = critic on prior samples only (the first shipped models)
    # Larsen et al.'s learned similarity: reconstructions also match the real image in the critic's features
    # (summed squared difference of its third convolution's activations), on top of the pixel BCE, which
    # alone pulls towards the blurry average of what an image could be. 0 = pixels only.
    feature_recon_weight: float = 0.0
    # An exponential moving average of the generator's weights is what gets exported (and sampled each
    # epoch): it averages out the GAN's step-to-step wobble. 0 = off, else the decay per step (e.g. 0.999).
    ema_decay: float = 0.0
    # Both learning rates fall linearly to zero over the budget's last part, from this fraction of it on,
    # so the run ends settled rather than mid-wobble. The budget is whichever limit ends the run first
    # (CPU or wall minutes, steps, epochs), so a resumed run keeps one schedule. 0 = constant rates.
    lr_decay_start: float = 0.0
    # Render each step at coordinates shifted by a random sub-pixel offset, against the real images resampled
    # there (train/jitter.py), so the CPPN is trained between the pixel centres the show renders at 4K.
    subpixel_jitter: bool = False
    # how the real images are resampled there: "bilinear", "bicubic" (sharper) or "nearest" (each pixel's
    # value holds over its whole cell: the targets are the images themselves, unblurred, at shifted points)
    jitter_resample: str = "bilinear"
    jitter_reach: float = 0.5  # how far the offset goes each way, in pixels: 0.5 covers the cell, less blurs less
    # Jitter only from this fraction of the budget on: the space is learnt on the grid first (sharper at
    # 28x28), then the last part irons out what it drew between the pixels. 0 = jitter from the start.
    jitter_start: float = 0.0
    # The between-pixel term (train/jitter.py: between_pixel_loss), from jitter_start on, instead of jitter:
    # each step also renders the reconstructions at a random sub-pixel offset and asks for their own 28x28
    # render resampled there, at this weight on the summed squared difference. 0 = off.
    between_pixel_weight: float = 0.0
    # Ask it only where the real image is flat (its 3x3 neighbourhood within this spread, 0..1): the marks
    # drawn between the pixels sit on plain cloth, and edges stay free to be sharp at the pixels. 0 = everywhere.
    between_pixel_flat: float = 0.0
    # Ask it of the prior samples too (masked where their own 28x28 render is flat), at this weight of its own.
    # Tried because the term on reconstructions alone left N(0, I)'s samples harsher; at the reconstructions'
    # W = 60 the prior collapsed to smooth blobs (their own mask calls most of a blob flat). 0 = off (README).
    between_pixel_prior: float = 0.0
    # Distillation (train/distill.py): with teacher_cpu_minutes > 0, `performer train` first trains a conv
    # decoder (train/teacher.py) by this same objective for that many CPU minutes, then fits the CPPN to it
    # by regression for the rest of max_cpu_minutes. 0 = the CPPN is trained by the GAN-VAE directly.
    teacher_cpu_minutes: float = 0.0
    # ... and then, for the last tune_cpu_minutes, the student trained on by the GAN-VAE loop itself, with
    # the teacher's encoder and critic (train/distill.py: fine_tune). 0 = the distilled student is exported.
    tune_cpu_minutes: float = 0.0
    teacher_width: int = 64  # the conv teacher's channels at 7x7 (halved at 14x14 and again at 28x28)
    decoder: str = "cppn"  # what this run's loop trains: "cppn" or "conv" (the teacher stage sets it)
    limit: int = 0  # use only the first N training images (0 = all)
    seed: int = 0
    grid_size: int = 8  # the epoch sample grid and timelapse show grid_size^2 fixed z's

    def __post_init__(self) -> None:
        if self.jitter_resample not in ("bilinear", "bicubic", "nearest"):
            raise ValueError(f"jitter_resample must be bilinear, bicubic or nearest, got {self.jitter_resample!r}")
        if self.decoder not in ("cppn", "conv"):
            raise ValueError(f"decoder must be cppn or conv, got {self.decoder!r}")
        if self.decoder == "conv" and self.subpixel_jitter:
            raise ValueError("the conv teacher renders on its pixel grid only: no sub-pixel jitter")
        if self.teacher_cpu_minutes < 0 or self.teacher_width < 4 or self.teacher_width % 4:
            raise ValueError("teacher_cpu_minutes must be >= 0 and teacher_width a multiple of 4")
        stages = self.teacher_cpu_minutes + self.tune_cpu_minutes
        if self.tune_cpu_minutes < 0 or (self.tune_cpu_minutes and not self.teacher_cpu_minutes):
            raise ValueError("tune_cpu_minutes is a stage of a distilled run: it needs teacher_cpu_minutes")
        if self.teacher_cpu_minutes and not 0 < stages < self.max_cpu_minutes:
            raise ValueError(
                f"teacher_cpu_minutes + tune_cpu_minutes ({stages:g}) are parts of max_cpu_minutes "
                f"({self.max_cpu_minutes}): they must be smaller"
            )
        if self.between_pixel_weight < 0 or (self.between_pixel_weight and self.subpixel_jitter):
            raise ValueError("between_pixel_weight is >= 0 and replaces subpixel_jitter: use one of them")
        if self.critic_warmup_steps < 0:
            raise ValueError(f"critic_warmup_steps is >= 0, got {self.critic_warmup_steps}")
        if self.between_pixel_prior < 0:
            raise ValueError(f"between_pixel_prior is a weight >= 0, got {self.between_pixel_prior}")
        if not 0.0 <= self.between_pixel_flat <= 1.0:
            raise ValueError(f"between_pixel_flat is a spread of pixel values in [0, 1], got {self.between_pixel_flat}")
        if not 0.0 < self.jitter_reach <= 0.5:
            raise ValueError(f"jitter_reach is a fraction of a pixel in (0, 0.5], got {self.jitter_reach}")
        if self.mmd_weight < 0:
            raise ValueError(f"mmd_weight must be >= 0, got {self.mmd_weight}")
        if not 0.0 <= self.jitter_start < 1.0:
            raise ValueError(f"jitter_start is a fraction of the budget in [0, 1), got {self.jitter_start}")

    def jitter_on(self, spent: float) -> bool:
        """Whether a step taken once `spent` of the budget is done renders at a sub-pixel offset."""
        return self.subpixel_jitter and spent >= self.jitter_start

    def between_pixel_on(self, spent: float) -> bool:
        """Whether a step taken once `spent` of the budget is done adds the between-pixel term."""
        return self.between_pixel_weight > 0 and spent >= self.jitter_start

    def budget_spent(self, step: int, steps_per_epoch: int, wall_seconds: float, cpu_seconds: float) -> float:
        """The fraction (0..1) of the run done, by the limit nearest its end."""
        spent = [step / max(1, self.epochs * steps_per_epoch)]
        if self.max_steps:
            spent.append(step / self.max_steps)
        if self.max_minutes:
            spent.append(wall_seconds / (self.max_minutes * 60))
        if self.max_cpu_minutes:
            spent.append(cpu_seconds / (self.max_cpu_minutes * 60))
        return min(1.0, max(spent))

    def lr_scale(self, spent: float) -> float:
        """The learning-rate multiplier once `spent` of the budget is done."""
        if self.lr_decay_start <= 0 or spent <= self.lr_decay_start:
            return 1.0
        return max(0.0, (1.0 - spent) / (1.0 - self.lr_decay_start))

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> TrainConfig:
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})
