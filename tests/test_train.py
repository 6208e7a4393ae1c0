"""Training: a few steps on a tiny slice lower the loss; checkpoints resume; image folders are robust."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from performer.cli import main
from performer.data.fashion_mnist import DEFAULT_DIR, load_fashion_mnist
from performer.data.image_folder import load_image_folder
from performer.model.checkpoint import load_model
from performer.model.config import ModelConfig
from performer.train.config import TrainConfig
from performer.train.loop import Trainer

needs_data = pytest.mark.skipif(not DEFAULT_DIR.exists(), reason="Debian package dataset-fashion-mnist")


@pytest.fixture(scope="module")
def tiny_slice() -> torch.Tensor:
    images, labels = load_fashion_mnist("train")
    assert images.shape == (60000, 28, 28) and labels.max() == 9
    return torch.from_numpy(images[:256].astype(np.float32) / 255.0).unsqueeze(1)


@needs_data
def test_few_steps_lower_the_loss(tiny_slice):
    trainer = Trainer(ModelConfig(), TrainConfig(batch_size=64, adv_warmup_steps=20), torch.device("cpu"))
    fixed = tiny_slice[:64]

    def elbo() -> float:
        with torch.no_grad():
            mean, _ = trainer.nets.encoder(fixed)
            recon = trainer.generate(mean).clamp(1e-6, 1 - 1e-6)
            return torch.nn.functional.binary_cross_entropy(recon, fixed, reduction="sum").item() / 64

    before = elbo()
    # a sigmoid output of ~0.5 everywhere costs 784 * ln 2 = 543 nats per image before training
    assert 450 < before < 650
    for step in range(40):
        losses = trainer.train_step(tiny_slice[(step % 4) * 64 : (step % 4 + 1) * 64])
    after = elbo()
    assert after < 0.8 * before, (before, after)
    assert losses["disc"] > 0  # the critic was switched on after the warm-up and trained


@needs_data
def test_checkpoint_resume_continues_exactly(tiny_slice, tmp_path):
    config = TrainConfig(batch_size=32, epochs=1, adv_warmup_steps=2, grid_size=2)
    trainer = Trainer(ModelConfig(), config, torch.device("cpu"))
    trainer.fit(tiny_slice[:64], tmp_path)
    assert (tmp_path / "samples_epoch001.png").exists()
    resumed = Trainer.resume(tmp_path / "checkpoint.safetensors", config, torch.device("cpu"))
    assert (resumed.step, resumed.epoch) == (2, 1)
    for a, b in (
        (trainer.nets.generator, resumed.nets.generator),
        (trainer.nets.discriminator, resumed.nets.discriminator),
    ):
        for (key, va), vb in zip(a.state_dict().items(), b.state_dict().values(), strict=True):
            assert torch.equal(va, vb), key
    # resumed with a step budget it has already reached: no step (how a checkpoint is re-exported as is)
    import dataclasses

    done = Trainer.resume(
        tmp_path / "checkpoint.safetensors", dataclasses.replace(config, max_steps=2, epochs=5), torch.device("cpu")
    )
    done.fit(tiny_slice[:64], tmp_path / "again")
    assert (done.step, done.epoch) == (2, 1)
    # optimiser moments came back too: the next step is identical from either trainer
    torch.manual_seed(5)
    first = trainer.train_step(tiny_slice[:32])
    torch.manual_seed(5)
    second = resumed.train_step(tiny_slice[:32])
    assert first == pytest.approx(second, rel=1e-5)


def write_awkward_folder(folder):
    folder.mkdir()
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 255, (50, 30, 3), dtype=np.uint8)).save(folder / "tall.jpg")
    Image.fromarray(rng.integers(0, 255, (20, 60), dtype=np.uint8), mode="L").save(folder / "grey.png")
    rgba = rng.integers(0, 255, (40, 40, 4), dtype=np.uint8)
    rgba[..., 3] = 0  # fully transparent: must come out white, not black
    Image.fromarray(rgba, mode="RGBA").save(folder / "cutout.png")
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 this is not really a jpeg")
    (folder / "notes.txt").write_text("ignored: not an image extension")


def test_image_folder_loader(tmp_path):
    write_awkward_folder(tmp_path / "lookbook")
    images, skipped = load_image_folder(tmp_path / "lookbook", 16, 3)
    assert images.shape == (3, 3, 16, 16)
    assert [p.rsplit("/", 1)[-1] for p in skipped] == ["broken.jpg"]
    cutout = images[0]  # sorted: cutout.png, grey.png, tall.jpg
    assert np.allclose(cutout, 1.0)


def test_train_cli_on_awkward_folder(tmp_path, capsys):
    write_awkward_folder(tmp_path / "lookbook")
    out, export = tmp_path / "run", tmp_path / "model.safetensors"
    code = main(
        [
            "train",
            "--data",
            str(tmp_path / "lookbook"),
            "--out",
            str(out),
            "--export",
            str(export),
            "--image-size",
            "16",
            "--max-steps",
            "2",
            "--batch-size",
            "2",
            "--grid-size",
            "2",
            "--adv-warmup-steps",
            "0",
            "--timelapse",
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "skipped 1 unreadable file(s)" in printed and "broken.jpg" in printed
    assert "over the live shader's budget" not in printed  # 3,328 multiply-adds a pixel
    model = load_model(export)
    assert model.config.channels == 3 and model.config.image_size == 16
    assert (out / "timelapse.mp4").stat().st_size > 0


def test_the_shader_budget_is_stated_and_train_says_when_a_model_is_over_it(tmp_path, capsys):
    from performer.model.config import MACS_PER_PIXEL_BUDGET

    # 48 wide: 3*48 + 3*48^2 + 48 + 4*48 (FiLM gains) = 7,296; 52 wide: 156 + 8,112 + 52 + 208 = 8,528
    assert ModelConfig(cppn_hidden=48).macs_per_pixel == 7296 <= MACS_PER_PIXEL_BUDGET == 8000
    assert ModelConfig(cppn_hidden=52).macs_per_pixel == 8528
    write_awkward_folder(tmp_path / "lookbook")
    args = ["train", "--data", str(tmp_path / "lookbook"), "--out", str(tmp_path / "run"), "--hidden", "52"]
    code = main(args + ["--image-size", "16", "--max-steps", "1", "--batch-size", "2", "--grid-size", "2"])
    assert code == 0
    # a folder trains colour: the output layer is 3 x 52, so 156 + 8,112 + 156 + 208 = 8,632
    assert "8,632 multiply-adds a pixel is over the live shader's budget of 8,000" in capsys.readouterr().out
