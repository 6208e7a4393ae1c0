"""Modulated weights (ModelConfig.weight_modulation): each hidden matrix is W * (1 + A(c) B(c)^T) per image.
Checked here: the config's bounds, the state dict against the numpy loader's shape table, the start (the
unmodulated network exactly), the per-image matrices worked out by hand, the file round trip, the live
renderer's one-line refusal, and a few training steps on a tiny slice."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from performer.model.arrays import ModelFileError, generator_shapes, read_model_arrays
from performer.model.checkpoint import load_model, save_model
from performer.model.config import ModelConfig
from performer.model.cppn import CPPN, Encoder, coordinate_grid
from performer.render.weights import CppnWeights
from performer.train.config import TrainConfig
from performer.train.loop import Trainer

MODULATED = ModelConfig(weight_modulation=2, cppn_hidden=8, cppn_depth=3)


@pytest.mark.parametrize("value", [-1, 17, True, 2.0])
def test_ranks_out_of_bounds_are_refused(value):
    with pytest.raises(ValueError, match="weight_modulation"):
        ModelConfig(weight_modulation=value)


def test_it_needs_film():
    with pytest.raises(ValueError, match="needs latent_film"):
        ModelConfig(weight_modulation=4, latent_film=False)


def test_per_pixel_cost_is_unchanged():
    assert ModelConfig(weight_modulation=8).macs_per_pixel == ModelConfig().macs_per_pixel == 3328


@pytest.mark.parametrize("config", [MODULATED, ModelConfig(weight_modulation=4, latent_mapping=16)])
def test_shape_table_is_the_torch_modules(config):
    torch_shapes = {k: tuple(v.shape) for k, v in CPPN(config).state_dict().items()}
    assert generator_shapes(config) == torch_shapes
    h, rank, code = config.cppn_hidden, config.weight_modulation, config.latent_code_dim
    assert torch_shapes["modulation_rows.0.weight"] == torch_shapes["modulation_cols.1.weight"] == (h * rank, code)


def test_training_starts_from_the_unmodulated_network():
    torch.manual_seed(0)
    modulated = CPPN(MODULATED)
    plain = CPPN(ModelConfig(cppn_hidden=8, cppn_depth=3))
    plain.load_state_dict({k: v for k, v in modulated.state_dict().items() if not k.startswith("modulation")})
    z, coords = torch.randn(3, 8), coordinate_grid(9, 7, 2.0)
    with torch.no_grad():
        assert torch.equal(modulated(z, coords), plain(z, coords))


def test_the_per_image_matrices_by_hand():
    torch.manual_seed(1)
    net = CPPN(MODULATED)
    with torch.no_grad():
        for layer in net.modulation_cols:
            layer.weight.normal_()
            layer.bias.normal_()
    z = torch.randn(2, 8)
    weights = net.frame_weights(z)
    for image in range(2):
        for index, hidden in enumerate(net.hidden):
            rows = net.modulation_rows[index](z[image]).detach().numpy().reshape(8, 2)
            cols = net.modulation_cols[index](z[image]).detach().numpy().reshape(8, 2)
            scale = np.array(
                [[1.0 + sum(rows[o, k] * cols[i, k] for k in range(2)) for i in range(8)] for o in range(8)]
            )
            want = hidden.weight.detach().numpy() * scale
            assert np.allclose(weights[index][image].detach().numpy(), want, atol=1e-5)
    # and the forward pass uses them: image 0 through its own matrices by hand
    coords = coordinate_grid(5, 5, 2.0)
    gains, biases = net.frame_terms(z)
    h = torch.tanh(gains[0][0] * net.coord(coords) + biases[0][0])
    for index, hidden in enumerate(net.hidden):
        h = torch.tanh(gains[index + 1][0] * (h @ weights[index][0].T + hidden.bias) + biases[index + 1][0])
    with torch.no_grad():
        assert torch.allclose(net(z, coords)[0], torch.sigmoid(net.out(h)), atol=1e-6)


def test_a_modulated_model_round_trips_and_the_live_renderer_refuses_it_in_one_line(tmp_path):
    generator = CPPN(MODULATED).eval()
    path = save_model(tmp_path / "modulated.safetensors", MODULATED, generator, Encoder(MODULATED).eval())
    loaded = load_model(path)
    assert loaded.config == MODULATED
    assert read_model_arrays(path).config.weight_modulation == 2
    for build in (lambda: CppnWeights.from_file(path), lambda: CppnWeights.from_generator(generator)):
        with pytest.raises(ModelFileError, match=r"weight_modulation=2\).*live renderer") as caught:
            build()
        assert "\n" not in str(caught.value)


def test_a_few_training_steps_change_the_modulation(tmp_path):
    torch.manual_seed(2)
    train = TrainConfig(batch_size=8, max_steps=4, adv_warmup_steps=2, recon_adv_weight=30.0, ema_decay=0.9)
    trainer = Trainer(MODULATED, train)
    before = trainer.nets.generator.modulation_cols[0].weight.detach().clone()
    info = trainer.fit(torch.rand(32, 1, 28, 28), tmp_path)
    assert info["step"] == 4 == trainer.step
    after = trainer.nets.generator.modulation_cols[0].weight.detach()
    assert torch.isfinite(after).all() and not torch.equal(before, after)
