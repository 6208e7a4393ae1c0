"""Garment latents: exported with the model, validated on load, and where R lands (Shift+R: the prior)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from performer.app import App
from performer.model.checkpoint import ModelFileError, load_model, save_model
from performer.model.config import ModelConfig
from performer.model.cppn import CPPN, Encoder
from performer.model.garments import NOISE, TENSOR, encode_garments, garment_jumps
from performer.train.config import TrainConfig
from performer.train.loop import Trainer


def test_export_stores_the_encoder_means_of_a_subset(tmp_path):
    torch.manual_seed(0)
    images = torch.rand(300, 1, 28, 28)
    trainer = Trainer(ModelConfig(), TrainConfig(), torch.device("cpu"))
    path = trainer.export(tmp_path / "m.safetensors", images)
    garments = load_model(path).garments
    assert garments.shape == (300, 8)  # fewer images than the 2,000 asked for: all of them
    # the same rows, worked out again: the encoder's means of the images in the seeded order
    order = torch.randperm(300, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        want = trainer.nets.encoder.eval()(images[order])[0].numpy()
    assert np.allclose(garments, want, atol=1e-5)
    assert encode_garments(trainer.nets.encoder, images, count=50).shape == (50, 8)
    assert load_model(trainer.export(tmp_path / "plain.safetensors")).garments is None  # optional


@pytest.mark.parametrize(
    ("table", "says"),
    [
        (torch.zeros(10, 7), r"expected \(N, 8\)"),
        (torch.zeros(0, 8), r"expected \(N, 8\)"),
        (torch.full((4, 8), float("nan")), "NaN"),
    ],
)
def test_a_bad_garment_table_is_a_clear_error(tmp_path, table, says):
    config = ModelConfig()
    path = save_model(tmp_path / "m.safetensors", config, CPPN(config), Encoder(config), extra={TENSOR: table})
    with pytest.raises(ModelFileError, match=says) as error:
        load_model(path)
    assert TENSOR in str(error.value) and "m.safetensors" in str(error.value)


def test_jumps_stay_near_a_garment_and_within_limits():
    garments = np.array([[0.0] * 8, [3.95] * 8, [-2.0, 1.0, 0, 0, 0, 0, 0, 0]], dtype=np.float32)
    jumps = garment_jumps(garments, np.random.default_rng(1), 3000)
    nearest = np.abs(jumps[:, None, :] - garments[None]).max(axis=2).min(axis=1)
    assert nearest.max() < 6 * NOISE  # 24,000 normal draws: none beyond 6 sigma
    assert np.abs(jumps).max() <= 4.0 and (jumps == 4.0).any()  # 3.95 + noise: clipped at the limit
    spread = jumps - garments[np.abs(jumps[:, None, :] - garments[None]).max(axis=2).argmin(axis=1)]
    assert abs(spread[np.abs(jumps).max(axis=1) < 3.5].std() - NOISE) < 0.01  # the noise is N(0, 0.15)


class Surface:
    content_scale = 1.0
    on_key = None

    def toggle_fullscreen(self):
        pass


class Renderer:
    ctx = None


def test_r_lands_on_a_garment_and_shift_r_jumps_anywhere(monkeypatch):
    monkeypatch.setattr("performer.app.gil_free_finish", lambda ctx: lambda: None)
    from performer.state import PerformanceState

    app = App(Surface(), Renderer(), PerformanceState(), seed=3)
    far = np.full((1, 8), 3.0, dtype=np.float32)  # one garment, far from where the prior usually lands
    app.garments = far
    app.keyboard.on_key("r", True, False)
    assert np.abs(app.state.z - far[0]).max() < 6 * NOISE
    app.keyboard.on_key("shift", True, True)
    distances = []
    for _ in range(50):
        app.keyboard.on_key("r", True, True)
        distances.append(np.abs(app.state.z - far[0]).max())
    assert min(distances) > 6 * NOISE  # the prior: never that close to (3, ..., 3) in 50 draws
    app.garments = None
    app.keyboard.on_key("shift", False, False)
    app.keyboard.on_key("r", True, False)  # no table (an older model file): R is the prior jump
    assert np.abs(app.state.z).max() <= 4.0


def test_each_jump_lands_where_it_says_and_falls_back_when_the_file_lacks_its_table():
    from performer.model import jumps
    from performer.model.prior import MixturePrior

    rng = np.random.default_rng(2)
    prior = MixturePrior(np.array([1.0]), np.full((1, 8), 2.5), np.full((1, 8), 0.01))
    garments = np.full((1, 8), -1.5, dtype=np.float32)
    invented = np.array([jumps.invent(prior, garments, rng, 8) for _ in range(200)])
    assert np.abs(invented - 2.5).max() < 0.06  # the one component: 2.5 +- 6 sigma of 0.01
    fallback = np.array([jumps.invent(None, garments, rng, 8) for _ in range(200)])
    assert np.abs(fallback + 1.5).max() < 6 * NOISE  # no prior: R's jump by the garment
    anywhere = np.array([jumps.invent(None, None, rng, 8) for _ in range(2000)])
    assert abs(anywhere.mean()) < 0.05 and abs(anywhere.std() - 1.0) < 0.03  # neither: N(0, I)
    assert np.abs(jumps.garment(np.zeros((0, 8)), rng, 8)).max() <= 4.0
