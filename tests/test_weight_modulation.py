"""Modulated weights (ModelConfig.weight_modulation): each hidden matrix is W * (1 + A(c) B(c)^T) per image.
Checked here: the config's bounds, the state dict against the numpy loader's shape table, the start (the
unmodulated network exactly), the per-image matrices worked out by hand, numpy's matrices and the canvas's
render against torch, the file round trip, the shader (its table rewritten per frame and per tile) against
the float64 model, the exports' one-line refusal, and a few training steps on a tiny slice."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from saturated_cppn import saturated_cppn
from test_render_cppn import TOLERANCE, exact, shader, state_for

from performer.canvas_pixels import render_garment
from performer.export.cppn_glsl import network_source
from performer.model.arrays import generator_shapes, read_model_arrays
from performer.model.checkpoint import load_model, save_model
from performer.model.config import ModelConfig
from performer.model.cppn import CPPN, Encoder, coordinate_grid
from performer.render.cppn_renderer import CppnRenderer
from performer.render.target import OffscreenTarget
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


def modulated_cppn(config: ModelConfig, seed: int) -> CPPN:
    """saturated_cppn's std-1 weights, with the modulation's scaled so that A B^T is about 1, not 30: the
    matrices then change with z by about themselves, and the picture keeps structure."""
    model = saturated_cppn(config, seed, bias_std=0.5)
    with torch.no_grad():
        for layer in (*model.modulation_rows, *model.modulation_cols):
            layer.weight.mul_(0.25)
            layer.bias.mul_(0.25)
    return model


def test_numpy_matrices_and_the_canvas_render_are_torchs():
    model = modulated_cppn(ModelConfig(weight_modulation=3, latent_mapping=16), 3)
    weights = CppnWeights.from_generator(model)
    assert weights.modulated and not CppnWeights.from_generator(CPPN(ModelConfig())).modulated
    z = np.random.default_rng(3).standard_normal(8)
    with torch.no_grad():
        want = [w[0].double().numpy() for w in model.frame_weights(torch.tensor(z, dtype=torch.float32)[None])]
        image = model.render(torch.tensor(z, dtype=torch.float32)[None], 28)[0, 0].numpy()
    for got, expected in zip(weights.hidden_matrices(z), want, strict=True):
        assert np.allclose(got, expected, rtol=1e-5, atol=1e-4)
    assert np.abs(weights.hidden_matrices(z)[0] - weights.hidden_matrices(-z)[0]).max() > 1.0  # z moves them
    assert np.abs(render_garment(weights, z, 28) - image).max() < 1e-4
    with pytest.raises(ValueError, match="give the frame's z"):
        weights.pack()


def test_a_modulated_model_round_trips_through_the_file(tmp_path):
    generator = modulated_cppn(MODULATED, 4)
    path = save_model(tmp_path / "modulated.safetensors", MODULATED, generator, Encoder(MODULATED).eval())
    assert load_model(path).config == read_model_arrays(path).config == MODULATED
    z = np.random.default_rng(4).standard_normal(8)
    assert np.array_equal(CppnWeights.from_file(path).pack(z), CppnWeights.from_generator(generator).pack(z))


@pytest.mark.parametrize("mode", ["auto", "texture"])
def test_the_shader_draws_each_frame_and_tile_with_its_own_matrices(ctx, mode):
    model = modulated_cppn(ModelConfig(weight_modulation=4), 5)
    renderer = CppnRenderer(ctx, CppnWeights.from_generator(model), mode)
    try:
        assert renderer.weight_mode == ("ubo" if mode == "auto" else "texture")  # never compiled-in constants
        rng = np.random.default_rng(5)
        first, second = rng.standard_normal(8), rng.standard_normal(8) * 2
        # the same weights with the modulation cut: the picture it would draw from a stale or missing table
        fixed = CPPN(ModelConfig()).eval()
        fixed.load_state_dict({k: v for k, v in model.state_dict().items() if not k.startswith("modulation")})
        for z in (first, second, first):  # z changes between frames: the table follows
            want = exact(model, z, 96, 64)
            assert np.abs(exact(fixed, z, 96, 64) - want).max() > 50 * TOLERANCE
            assert np.abs(shader(renderer, state_for(z), 96, 64) - want).max() <= TOLERANCE
        atlas = OffscreenTarget(ctx)  # two tiles of one atlas, as the previews draw them
        framebuffer = atlas.ensure((64, 32))
        renderer.draw(state_for(first), framebuffer, (32, 32), (0, 0))
        renderer.draw(state_for(second), framebuffer, (32, 32), (32, 0))
        tiles = atlas.read_rgb().astype(np.float64)
        assert np.abs(tiles[:, :32] - exact(model, first, 32, 32)).max() <= TOLERANCE
        assert np.abs(tiles[:, 32:] - exact(model, second, 32, 32)).max() <= TOLERANCE
        atlas.release()
    finally:
        renderer.release()
    with pytest.raises(ValueError, match="cannot be shader constants"):
        CppnRenderer(ctx, CppnWeights.from_generator(model), "const")


def test_the_isf_export_refuses_in_one_line(tmp_path):
    weights = CppnWeights.from_generator(modulated_cppn(MODULATED, 6))
    with pytest.raises(ValueError, match="do not carry modulated weights") as caught:
        network_source(weights)
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
