"""Distillation: the conv teacher's shapes, the regression step, and the two-stage command end to end."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
import torch

from performer.cli import main
from performer.commands.bench_quality import column_names
from performer.data.fashion_mnist import DEFAULT_DIR, load_fashion_mnist
from performer.model.checkpoint import ModelFileError, load_model, read_file
from performer.model.config import ModelConfig
from performer.model.cppn import coordinate_grid
from performer.train.config import TrainConfig
from performer.train.distill import Distiller, fine_tune, stage_configs
from performer.train.loop import Trainer
from performer.train.teacher import ConvDecoder, load_teacher

needs_data = pytest.mark.skipif(not DEFAULT_DIR.exists(), reason="Debian package dataset-fashion-mnist")


@pytest.fixture(scope="module")
def tiny_slice() -> torch.Tensor:
    images, _ = load_fashion_mnist("train")
    return torch.from_numpy(images[:128].astype(np.float32) / 255.0).unsqueeze(1)


def test_conv_decoder_is_called_like_the_cppn():
    config = ModelConfig()
    decoder = ConvDecoder(config, width=16)
    z = torch.randn(3, config.latent_dim)
    grid = coordinate_grid(28, 28, config.coord_scale)
    pixels = decoder(z, grid)
    assert pixels.shape == (3, 28 * 28, 1)
    with torch.no_grad():
        images = decoder.images(z)
    # pixel k of the CPPN's output is row k // 28, column k % 28 of the image
    assert torch.equal(pixels[:, 28 * 5 + 7, 0], images[:, 0, 5, 7])
    assert float(images.min()) >= 0.0 and float(images.max()) <= 1.0
    assert decoder.render(z, 64, 48).shape == (3, 1, 48, 64)
    with pytest.raises(ValueError, match="28x28 grid only"):
        decoder(z, coordinate_grid(30, 30, config.coord_scale))


def test_stage_configs_split_the_budget():
    train = TrainConfig(max_cpu_minutes=140, teacher_cpu_minutes=45, subpixel_jitter=True, jitter_start=0.75)
    teacher, student, _ = stage_configs(train)
    assert (teacher.decoder, teacher.max_cpu_minutes, teacher.subpixel_jitter) == ("conv", 45, False)
    assert (student.decoder, student.max_cpu_minutes, student.subpixel_jitter) == ("cppn", 95, True)
    assert teacher.teacher_cpu_minutes == student.teacher_cpu_minutes == 0
    teacher, student, tune = stage_configs(dataclasses.replace(train, tune_cpu_minutes=20))
    assert (teacher.max_cpu_minutes, student.max_cpu_minutes, tune.max_cpu_minutes) == (45, 75, 20)
    assert tune.decoder == "cppn" and tune.tune_cpu_minutes == 0


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"decoder": "unet"}, "decoder must be"),
        ({"decoder": "conv", "subpixel_jitter": True}, "no sub-pixel jitter"),
        ({"teacher_cpu_minutes": 60, "max_cpu_minutes": 60}, "must be smaller"),
        ({"teacher_cpu_minutes": 30, "tune_cpu_minutes": 30, "max_cpu_minutes": 60}, "must be smaller"),
        ({"tune_cpu_minutes": 5, "max_cpu_minutes": 60}, "needs teacher_cpu_minutes"),
        ({"teacher_cpu_minutes": 10}, "must be smaller"),  # no total budget to take it from
        ({"teacher_width": 30}, "multiple of 4"),
    ],
)
def test_bad_distillation_settings_are_one_line_errors(fields, message):
    with pytest.raises(ValueError, match=message):
        TrainConfig(**fields)


class DiscTeacher(torch.nn.Module):
    """A teacher known in closed form: a soft disc whose radius follows z[0] and brightness z[1]. Drawn in
    the CPPN's garment units, so a CPPN can fit it; nothing else of z matters."""

    def images(self, z: torch.Tensor) -> torch.Tensor:
        config = ModelConfig()
        r = coordinate_grid(28, 28, config.coord_scale)[:, 2].reshape(1, 1, 28, 28) / config.coord_scale
        radius = 0.55 + 0.3 * torch.tanh(z[:, 0]).reshape(-1, 1, 1, 1)
        return torch.sigmoid(12 * (radius - r)) * (0.6 + 0.35 * torch.tanh(z[:, 1])).reshape(-1, 1, 1, 1)


def bce(images: torch.Tensor, target: torch.Tensor) -> float:
    images = images.clamp(1e-6, 1 - 1e-6)
    return float(torch.nn.functional.binary_cross_entropy(images, target, reduction="sum") / target.shape[0])


@needs_data
def test_distillation_learns_what_the_latent_draws(tiny_slice):
    config = ModelConfig()
    distiller = Distiller(config, TrainConfig(batch_size=32, lr=3e-3), torch.device("cpu"))
    teacher = DiscTeacher()
    distiller.attach(teacher, None)
    torch.manual_seed(0)
    z = torch.randn(64, config.latent_dim)
    target = teacher.images(z).clamp(1e-6, 1 - 1e-6)
    floor = float(-(target * target.log() + (1 - target) * (1 - target).log()).sum() / 64)  # the targets' entropy
    # the best one could do ignoring z: every pixel at its mean over the batch
    blind = bce(target.mean(0, keepdim=True).expand_as(target), target)
    assert blind > floor + 30, (blind, floor)
    for step in range(100):
        distiller.train_step(tiny_slice[(step % 4) * 32 : (step % 4 + 1) * 32])
    with torch.no_grad():
        after = bce(distiller.generate(z), target)
    # more than half of what separates a z-blind image from a perfect copy is closed
    assert after < blind - 0.5 * (blind - floor), (after, blind, floor)


@needs_data
def test_targets_are_half_posterior_half_prior(tiny_slice):
    config = ModelConfig()
    distiller = Distiller(config, TrainConfig(), torch.device("cpu"))
    with torch.no_grad():  # a near-certain posterior: its samples are its means
        distiller.nets.encoder.head.bias[config.latent_dim :] = -40.0
    teacher = DiscTeacher()
    distiller.attach(teacher, None)
    z, images = distiller.targets(tiny_slice[:64])
    mean, _ = distiller.nets.encoder(tiny_slice[:32])
    assert torch.allclose(z[:32], mean, atol=0.02)
    assert 0.7 < float(z[32:].std()) < 1.3 and abs(float(z[32:].mean())) < 0.3
    assert torch.equal(images, teacher.images(z))


def distill_command(out, export, *flags: str) -> list[str]:
    """`performer train` distilling for a few steps on a tiny slice: teacher 5 of 10 CPU-minutes."""
    tiny = ["--batch-size", "32", "--grid-size", "2", "--threads", "1"]
    budget = ["--teacher-cpu-minutes", "5", "--max-cpu-minutes", "10"]
    return ["train", *budget, *flags, *tiny, "--out", str(out), "--export", str(export)]


@needs_data
def test_two_stage_command_trains_resumes_and_exports(tmp_path):
    out = tmp_path / "run"
    args = distill_command(out, tmp_path / "model.safetensors", "--max-steps", "4", "--limit", "128")
    args += ["--ema-decay", "0.99"]
    assert main(args) == 0
    model = load_model(tmp_path / "model.safetensors")
    _, teacher_tensors = read_file(out / "teacher" / "checkpoint.safetensors")
    # the shipped encoder is the teacher's (frozen while the student learnt)
    for key, value in model.encoder.state_dict().items():
        assert torch.equal(value, teacher_tensors[f"encoder.{key}"]), key
    assert model.info["steps"] == 4 and model.info["distilled_from"]["train"]["decoder"] == "conv"
    assert model.garments is not None and model.prior is not None
    # the same command again: both stages are at their budget's end and make no more steps
    assert main(args) == 0
    metadata, _ = read_file(out / "checkpoint.safetensors")
    assert json.loads(metadata["progress"])["step"] == 4
    assert main(args + ["--resume", str(out / "checkpoint.safetensors")]) == 2
    assert main(["train", "--decoder", "conv", "--out", str(tmp_path / "c"), "--export", str(tmp_path / "c.st")]) == 2

    # bench-quality judges the teacher beside its student: as a model with garments and a learned prior
    images, _ = load_fashion_mnist("train")
    images = torch.from_numpy(images[:300].astype(np.float32) / 255.0).unsqueeze(1)
    teacher = load_teacher(out / "teacher" / "checkpoint.safetensors", images)
    assert teacher.garments.shape == (300, 8) and teacher.prior is not None
    assert teacher.generator.render(torch.zeros(2, 8), 28).shape == (2, 1, 28, 28)
    with pytest.raises(ModelFileError, match="not a conv teacher"):
        load_teacher(tmp_path / "model.safetensors", images)
    assert column_names([out / "teacher" / "checkpoint.safetensors", tmp_path / "model.safetensors"]) == [
        "teacher",
        "model",
    ]


@needs_data
def test_fine_tune_starts_from_the_student_with_the_teachers_critic_on(tiny_slice):
    config = ModelConfig()
    train = TrainConfig(batch_size=32, ema_decay=0.99)
    teacher = Trainer(config, dataclasses.replace(train, decoder="conv"), torch.device("cpu"))
    student = Distiller(config, train, torch.device("cpu"))
    student.attach(teacher.nets.generator, teacher.nets.encoder)
    for step in range(3):
        student.train_step(tiny_slice[step * 32 : (step + 1) * 32])
    tuner = fine_tune(config, train, student, teacher)
    for mine, theirs in (
        (tuner.nets.generator, student.shipped_generator),
        (tuner.ema, student.shipped_generator),
        (tuner.nets.encoder, teacher.nets.encoder),
        (tuner.nets.discriminator, teacher.nets.discriminator),
    ):
        for key, value in mine.state_dict().items():
            assert torch.equal(value, theirs.state_dict()[key]), key
    losses = tuner.train_step(tiny_slice[:32])
    assert losses["disc"] > 0 and losses["adv"] != 0  # the critic is on from the first step


@needs_data
def test_three_stage_command_tunes_and_says_so(tmp_path):
    out = tmp_path / "run"
    args = distill_command(out, tmp_path / "model.safetensors", "--max-steps", "3", "--limit", "96")
    args += ["--tune-cpu-minutes", "2"]
    assert main(args) == 0
    model = load_model(tmp_path / "model.safetensors")
    assert model.info["steps"] == 3 and model.info["student"]["steps"] == 3
    assert model.info["distilled_from"]["train"]["decoder"] == "conv"
    metadata, _ = read_file(out / "tune" / "checkpoint.safetensors")
    assert json.loads(metadata["progress"])["step"] == 3
