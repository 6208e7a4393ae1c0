"""The live process reads model files with numpy alone, with the torch loader's checks and results."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import torch
from older_files import shipped_without_config_keys
from safetensors import safe_open

from performer.model.arrays import ModelFileError, generator_shapes, read_model_arrays
from performer.model.checkpoint import load_model, save_model
from performer.model.config import ModelConfig
from performer.model.cppn import CPPN, Encoder
from performer.paths import DEFAULT_MODEL
from performer.render.weights import CppnWeights

CONFIGS = [
    ModelConfig(),
    ModelConfig(latent_film=False),
    ModelConfig(channels=3, cppn_hidden=16, cppn_depth=3),
    ModelConfig(cppn_sine_units=16),
    ModelConfig(cppn_hidden=8, cppn_depth=2, cppn_sine_units=4, latent_film=False),
]


@pytest.mark.parametrize("config", CONFIGS, ids=["film", "plain", "rgb-16x3", "film-sine16", "plain-8x2-sine4"])
def test_shape_table_is_the_torch_modules(config):
    torch_shapes = {k: tuple(v.shape) for k, v in CPPN(config).state_dict().items()}
    assert generator_shapes(config) == torch_shapes


def test_numpy_weights_equal_the_torch_loaders():
    via_torch = load_model(DEFAULT_MODEL)
    expected = CppnWeights.from_generator(via_torch.generator)
    got = CppnWeights.from_file(DEFAULT_MODEL)
    assert np.array_equal(got.pack(), expected.pack())
    z = np.linspace(-2, 2, 8)
    for a, b in zip(got.frame_terms(z), expected.frame_terms(z), strict=True):
        assert np.array_equal(a, b)
    assert np.array_equal(got.garments, via_torch.garments)


@pytest.mark.parametrize("config", CONFIGS[3:], ids=["film-sine16", "plain-8x2-sine4"])
def test_sine_units_go_through_the_file(tmp_path, config):
    torch.manual_seed(5)
    generator = CPPN(config).eval()
    path = save_model(tmp_path / "sine.safetensors", config, generator, Encoder(config))
    got, expected = CppnWeights.from_file(path), CppnWeights.from_generator(generator)
    assert got.sine_units == expected.sine_units == config.cppn_sine_units
    assert read_model_arrays(path).config == config and np.array_equal(got.pack(), expected.pack())


def test_a_file_from_before_sine_units_reads_as_none(tmp_path):
    older = shipped_without_config_keys(tmp_path, "cppn_sine_units")
    with safe_open(str(older), framework="numpy") as handle:
        assert "cppn_sine_units" not in json.loads(handle.metadata()["config"])
    assert read_model_arrays(older).config.cppn_sine_units == 0
    assert CppnWeights.from_file(older).sine_units == 0


@pytest.mark.parametrize("sine_units", [2, 6, -4, 36, True, 4.0])
def test_sine_units_the_shader_cannot_pack_are_refused(sine_units):
    with pytest.raises(ValueError, match="cppn_sine_units"):
        ModelConfig(cppn_sine_units=sine_units)
    with pytest.raises(ValueError, match="cppn_sine_units"):
        ModelConfig.from_dict({"cppn_hidden": 32, "cppn_sine_units": sine_units})
    assert ModelConfig(cppn_hidden=8, cppn_sine_units=8).cppn_sine_units == 8  # every unit may be a sine


def test_bad_files_are_refused_naming_the_file(tmp_path):
    config = ModelConfig()
    generator = CPPN(config)
    with torch.no_grad():
        generator.out.bias.fill_(float("nan"))
    bad = save_model(tmp_path / "nan.safetensors", config, generator, Encoder(config))
    with pytest.raises(ModelFileError, match=r"nan.safetensors: generator.out.bias holds NaN"):
        read_model_arrays(bad)
    garbage = tmp_path / "garbage.safetensors"
    garbage.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00not json at all!")
    with pytest.raises(ModelFileError, match="garbage.safetensors: not a readable safetensors file"):
        read_model_arrays(garbage)
    with pytest.raises(ModelFileError, match="no such model file"):
        read_model_arrays(tmp_path / "missing.safetensors")


def test_reading_weights_imports_no_torch():
    code = (
        "import sys; from performer.render.weights import CppnWeights; "
        f"w = CppnWeights.from_file({str(DEFAULT_MODEL)!r}); print(w.macs_per_pixel, 'torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == [str(ModelConfig().macs_per_pixel), "False"]
