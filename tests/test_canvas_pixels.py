"""The CPPN in numpy (canvas_pixels.render_garment: the design canvas's "start from the garment", no torch)
gives what the torch CPPN gives, sine units included."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch
from saturated_cppn import saturated_cppn

from performer.canvas_pixels import render_garment
from performer.model.config import ModelConfig
from performer.model.cppn import CPPN, coordinate_grid, layer0_activation
from performer.render.weights import CppnWeights

TOLERANCE = 2.0 / 255.0  # per pixel, max: the shader tests' bound
CONFIGS = [
    ModelConfig(latent_film=False),
    ModelConfig(),
    ModelConfig(channels=3, cppn_hidden=16, cppn_depth=3),
    ModelConfig(cppn_sine_units=16),
    ModelConfig(cppn_hidden=8, cppn_depth=2, cppn_sine_units=4, latent_film=False),
    ModelConfig(latent_mapping=32),
]
IDS = ["plain", "film", "rgb-16x3", "film-sine16", "plain-8x2-sine4", "film-mapping32"]


def exact(model: CPPN, z: np.ndarray, size: int) -> np.ndarray:
    """The torch CPPN in float64, grey [size, size] (the mean of its channels, as render_garment)."""
    coords = coordinate_grid(size, size, model.config.coord_scale).double()
    with torch.no_grad():
        out = model.double()(torch.tensor(z, dtype=torch.float64)[None], coords)[0]
    return out.mean(dim=1).reshape(size, size).numpy()


@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_render_garment_is_the_torch_cppn(config):
    model = saturated_cppn(config, 31)
    weights = CppnWeights.from_generator(model)
    assert weights.sine_units == config.cppn_sine_units
    tanh_twin = CPPN(dataclasses.replace(config, cppn_sine_units=0)).eval()  # the same weights, no sines
    tanh_twin.load_state_dict(model.state_dict())
    for z in (np.random.default_rng(2).standard_normal(8), np.array([3.0, -3.0] * 4)):
        got = render_garment(weights, z, 96)
        want = exact(model, z, 96)
        assert got.dtype == np.float32 and want.std() > 0.1
        assert np.abs(got - want).max() <= TOLERANCE
        if config.cppn_sine_units:  # tanh in place of sin would fail
            assert np.abs(want - exact(tanh_twin, z, 96)).max() > 50 * TOLERANCE


@pytest.mark.parametrize("sine_units", [0, 4, 16, 32])
def test_layer0_activation_is_the_torch_one(sine_units):
    pre = np.random.default_rng(sine_units).normal(0.0, 4.0, (5, 32))
    weights = CppnWeights.from_generator(CPPN(ModelConfig(cppn_sine_units=sine_units)))
    want = layer0_activation(torch.from_numpy(pre), sine_units).numpy()
    assert np.allclose(weights.layer0_activation(pre), want, rtol=0.0, atol=1e-12)  # libm and torch: an ulp
    assert np.array_equal(weights.layer0_activation(pre)[:, :sine_units], np.sin(pre[:, :sine_units]))


def test_weights_refuse_sine_units_the_shader_cannot_pack():
    weights = CppnWeights.from_generator(CPPN(ModelConfig(cppn_hidden=8)))
    for bad in (2, -4, 12):
        with pytest.raises(ValueError, match="sine_units"):
            dataclasses.replace(weights, sine_units=bad)
