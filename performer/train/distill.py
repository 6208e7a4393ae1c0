"""Distillation: the CPPN fitted by regression to a conv teacher (train/teacher.py) trained first by the
GAN-VAE loop.

Each step draws latents where the show goes (half the encoder's posterior samples of real garments: R,
landmarks, drawings; half N(0, I): the prior), renders them with the frozen teacher, and trains the CPPN
to reproduce those images, summed BCE per image, at the training grid or (with sub-pixel jitter) at
shifted points against the teacher's images resampled there. The encoder is the teacher's, frozen, so the
exported model's encoder, garment latents and learned prior all describe the space the student copies.
Checkpoints, budget, rate decay, EMA and export are the GAN-VAE Trainer's: the Distiller is one with a
different step.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from pathlib import Path

import torch
import torch.nn.functional as F

from performer.model.config import ModelConfig
from performer.model.cppn import Encoder
from performer.train.config import TrainConfig
from performer.train.jitter import training_view
from performer.train.loop import Trainer
from performer.train.teacher import ConvDecoder

log = logging.getLogger(__name__)

CHECKPOINT = "checkpoint.safetensors"


class Distiller(Trainer):
    """A Trainer whose step regresses the CPPN onto a frozen teacher (set by `attach`)."""

    def __init__(self, config: ModelConfig, train: TrainConfig, device: torch.device | None = None) -> None:
        super().__init__(config, train, device)
        # only the student learns; the critic and its optimiser stay idle (and tiny) in the checkpoint
        self.nets.opt_vae = torch.optim.Adam(self.nets.generator.parameters(), lr=train.lr)
        self.teacher: ConvDecoder | None = None
        self.teacher_info: dict = {}

    def attach(self, teacher: ConvDecoder, encoder: Encoder | None, teacher_info: dict | None = None) -> None:
        """The frozen teacher; `encoder` replaces the student's (a fresh run: a resumed one has it already)."""
        self.teacher = teacher.to(self.device).eval().requires_grad_(False)
        if encoder is not None:
            self.nets.encoder.load_state_dict(encoder.state_dict())
        self.nets.encoder.eval().requires_grad_(False)
        self.teacher_info = teacher_info or {}

    @torch.no_grad()
    def targets(self, real: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(z [B, L], the teacher's images of them [B, C, S, S]): the first half posterior samples of `real`,
        the rest from N(0, I)."""
        half = real.shape[0] // 2
        mean, logvar = self.nets.encoder(real[:half])
        z_post = mean + torch.randn_like(mean) * torch.exp(0.5 * logvar)
        z_prior = torch.randn(real.shape[0] - half, self.config.latent_dim, device=self.device)
        z = torch.cat([z_post, z_prior])
        return z, self.teacher.images(z)

    def train_step(self, real: torch.Tensor) -> dict[str, float]:
        if self.teacher is None:
            raise RuntimeError("Distiller.attach(teacher, encoder) before training")
        z, target = self.targets(real)
        coords, target = training_view(target, self.coords, self.config.coord_scale, self.train, self.spent)
        loss = F.binary_cross_entropy(self.generate(z, coords), target, reduction="sum") / real.shape[0]
        self.nets.opt_vae.zero_grad(set_to_none=True)
        loss.backward()
        self.nets.opt_vae.step()
        self.update_ema()
        self.step += 1
        return {"distill": loss.item()}

    def info(self) -> dict:
        return super().info() | {"distilled_from": self.teacher_info}


def stage_configs(train: TrainConfig) -> tuple[TrainConfig, TrainConfig, TrainConfig]:
    """The teacher's run (the conv decoder by the GAN-VAE for teacher_cpu_minutes, on the pixel grid), the
    student's (what is left of max_cpu_minutes, with the run's jitter) and the fine-tune's (tune_cpu_minutes;
    unused when 0). Each stage's schedule (rate decay, jitter) runs over its own budget."""
    stage = functools.partial(dataclasses.replace, train, teacher_cpu_minutes=0.0, tune_cpu_minutes=0.0)
    teacher = stage(decoder="conv", max_cpu_minutes=train.teacher_cpu_minutes, subpixel_jitter=False)
    rest = train.max_cpu_minutes - train.teacher_cpu_minutes - train.tune_cpu_minutes
    student = stage(decoder="cppn", max_cpu_minutes=rest)
    tune = stage(decoder="cppn", max_cpu_minutes=train.tune_cpu_minutes)
    return teacher, student, tune


class FineTuner(Trainer):
    """The GAN-VAE Trainer on a distilled student; its model files say what it was distilled from."""

    lineage: dict = {}

    def info(self) -> dict:
        return super().info() | self.lineage


def fine_tune(config: ModelConfig, train: TrainConfig, student: Distiller, teacher: Trainer) -> FineTuner:
    """A GAN-VAE Trainer for the CPPN that starts where distillation left it: the student's (EMA) weights,
    the teacher's encoder and its critic, already trained against garments of this space, so the
    adversarial terms are on from the first step."""
    tuner = FineTuner(config, dataclasses.replace(train, adv_warmup_steps=0))
    weights = student.shipped_generator.state_dict()
    tuner.nets.generator.load_state_dict(weights)
    if tuner.ema is not None:
        tuner.ema.load_state_dict(weights)
    tuner.nets.encoder.load_state_dict(teacher.nets.encoder.state_dict())
    tuner.nets.discriminator.load_state_dict(teacher.nets.discriminator.state_dict())
    return tuner


def train_distilled(
    config: ModelConfig, train: TrainConfig, images: torch.Tensor, out_dir: Path, timelapse: bool = False
) -> Trainer:
    """Teacher into out_dir/teacher, the student into out_dir, the fine-tune (if any) into out_dir/tune; what
    is returned exports the model. Run again with the same arguments, it resumes whichever stage was cut
    off (a finished stage makes no more steps)."""
    teacher_train, student_train, tune_train = stage_configs(train)
    teacher_dir = out_dir / "teacher"
    if (teacher_dir / CHECKPOINT).is_file():
        teacher = Trainer.resume(teacher_dir / CHECKPOINT, teacher_train)
        log.info("teacher resumed at step %d", teacher.step)
    else:
        teacher = Trainer(config, teacher_train)
    teacher.fit(images, teacher_dir)
    teacher_info = teacher.info()
    if (out_dir / CHECKPOINT).is_file():
        student = Distiller.resume(out_dir / CHECKPOINT, student_train)
        student.attach(teacher.shipped_generator, None, teacher_info)
        log.info("student resumed at step %d", student.step)
    else:
        student = Distiller(config, student_train)
        student.attach(teacher.shipped_generator, teacher.nets.encoder, teacher_info)
    student.fit(images, out_dir, timelapse)
    if not train.tune_cpu_minutes:
        return student
    tune_dir = out_dir / "tune"
    if (tune_dir / CHECKPOINT).is_file():
        tuner = FineTuner.resume(tune_dir / CHECKPOINT, dataclasses.replace(tune_train, adv_warmup_steps=0))
    else:
        tuner = fine_tune(config, tune_train, student, teacher)
    tuner.lineage = {
        "distilled_from": teacher_info,
        "student": {"steps": student.step, "train": student_train.to_dict()},
    }
    tuner.fit(images, tune_dir, timelapse)
    return tuner
