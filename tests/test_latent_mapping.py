"""The latent mapping (ModelConfig.latent_mapping): m = tanh(A z + a) between z and the per-frame terms. Checked
here: the config's bounds, the state dict's names and shapes, torch against numpy, the file round trip (torch and
numpy loaders), a file from before the mapping reading as none and unchanged, the exported shader's cost as
counted and as the compiler sees it, Shadertoy's render, and a training step. Render parity elsewhere:
test_render_cppn.py (performer's shader), test_isf_export.py (the ISF host), test_canvas_pixels.py (numpy)."""

from __future__ import annotations

import json
import re
import shutil

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from older_files import shipped_without_config_keys
from safetensors import safe_open
from safetensors.torch import save_file
from saturated_cppn import saturated_cppn
from test_isf import SHADERTOY_FOOTER, SHADERTOY_HEADER, assert_close, reference, render_plain

from performer.export.cppn_glsl import latent_terms, network_source, shader_cost
from performer.export.isf import ExportLook, isf_source, shadertoy_source
from performer.export.isf_host import GLSL_VERSIONS, parse_isf, wrap_fragment
from performer.model.arrays import ModelFileError, generator_shapes, read_model_arrays
from performer.model.checkpoint import load_model, read_file, save_model
from performer.model.config import ModelConfig
from performer.model.cppn import CPPN, Encoder
from performer.render.weights import CppnWeights

FILM = ModelConfig(latent_mapping=32)  # 32 units x 4 layers, FiLM, 8 latents -> 32 mapping values
PLAIN = ModelConfig(latent_mapping=16, latent_film=False, latent_dim=6)
needs_glslang = pytest.mark.skipif(shutil.which("glslangValidator") is None, reason="glslang-tools not installed")


@pytest.mark.parametrize("value", [2, 6, -4, 260, True, 4.0])
def test_mappings_the_shader_cannot_pack_are_refused(value):
    with pytest.raises(ValueError, match="latent_mapping"):
        ModelConfig(latent_mapping=value)
    with pytest.raises(ValueError, match="latent_mapping"):
        ModelConfig.from_dict({"latent_mapping": value})


def test_the_mapping_sets_what_the_terms_read():
    assert (ModelConfig().latent_mapping, ModelConfig().latent_code_dim) == (0, 8)
    assert (ModelConfig(latent_mapping=256).latent_code_dim, PLAIN.latent_code_dim) == (256, 16)
    assert FILM.macs_per_pixel == ModelConfig().macs_per_pixel == 3328  # per-frame work only


@pytest.mark.parametrize("config", [FILM, PLAIN], ids=["film", "plain"])
def test_shape_table_is_the_torch_modules(config):
    torch_shapes = {k: tuple(v.shape) for k, v in CPPN(config).state_dict().items()}
    assert generator_shapes(config) == torch_shapes
    m, dim, h = config.latent_mapping, config.latent_dim, config.cppn_hidden
    assert (torch_shapes["mapping.weight"], torch_shapes["mapping.bias"], torch_shapes["latent.weight"]) == (
        (m, dim),
        (m,),
        (h, m),
    )
    assert "mapping.weight" not in generator_shapes(ModelConfig())


@pytest.mark.parametrize("config", [FILM, PLAIN], ids=["film", "plain"])
def test_numpy_frame_terms_are_torchs(config):
    model = saturated_cppn(config, 5, bias_std=0.5)
    weights = CppnWeights.from_generator(model)
    assert (weights.latent_dim, weights.code_dim) == (config.latent_dim, config.latent_mapping)
    exact = model.double()
    for z in (*np.random.default_rng(1).standard_normal((3, config.latent_dim)), np.full(config.latent_dim, -4.0)):
        with torch.no_grad():
            want_gains, want_biases = exact.frame_terms(torch.tensor(z)[None])
        gains, biases = weights.frame_terms(z)
        for layer in range(weights.layers):
            bias = want_biases[layer][0].numpy()
            if layer:  # frame_terms folds the hidden layer's own bias in
                bias = bias + want_gains[layer][0].numpy() * exact.hidden[layer - 1].bias.detach().numpy()
            assert np.allclose(gains[layer], want_gains[layer][0].numpy(), rtol=1e-6, atol=1e-5)
            assert np.allclose(biases[layer], bias, rtol=1e-6, atol=1e-5)


def test_the_terms_are_no_longer_affine_in_z():
    weights = CppnWeights.from_generator(saturated_cppn(FILM, 6))
    z = np.random.default_rng(2).standard_normal(8)
    zero, one, two = (weights.frame_terms(k * z)[1] for k in (0.0, 1.0, 2.0))
    assert np.abs((two - zero) - 2.0 * (one - zero)).max() > 1.0  # an affine map would give 0


@pytest.mark.parametrize("config", [FILM, PLAIN], ids=["film", "plain"])
def test_a_mapping_model_round_trips_through_the_file(tmp_path, config):
    generator = saturated_cppn(config, 7, bias_std=0.5)
    path = save_model(tmp_path / "mapped.safetensors", config, generator, Encoder(config).eval())
    metadata, tensors = read_file(path)
    assert json.loads(metadata["config"])["latent_mapping"] == config.latent_mapping
    assert tuple(tensors["generator.mapping.weight"].shape) == (config.latent_mapping, config.latent_dim)
    loaded = load_model(path)
    assert loaded.config == config
    assert all(torch.equal(v, loaded.generator.state_dict()[k]) for k, v in generator.state_dict().items())
    z = torch.randn(2, config.latent_dim)
    with torch.no_grad():
        assert torch.equal(generator.render(z, 20, 12), loaded.generator.render(z, 20, 12))
    assert read_model_arrays(path).config == config
    got, expected = CppnWeights.from_file(path), CppnWeights.from_generator(generator)
    assert np.array_equal(got.pack(), expected.pack()) and got.latent_dim == config.latent_dim
    for a, b in zip(got.frame_terms(z[0].numpy()), expected.frame_terms(z[0].numpy()), strict=True):
        assert np.array_equal(a, b)


def test_a_file_that_says_mapping_without_its_tensors_is_refused(random_model_file):
    path = random_model_file[0]
    metadata, tensors = read_file(path)
    config = json.loads(metadata["config"]) | {"latent_mapping": 8}
    save_file(tensors, str(path), metadata={**metadata, "config": json.dumps(config)})
    for loader in (load_model, read_model_arrays):
        with pytest.raises(ModelFileError, match=r"missing \['mapping.bias', 'mapping.weight'\]"):
            loader(path)
    config = json.loads(metadata["config"]) | {"latent_maping": 8}
    save_file(tensors, str(path), metadata={**metadata, "config": json.dumps(config)})
    with pytest.raises(ModelFileError, match=r"unknown model config keys \['latent_maping'\]"):
        load_model(path)


def test_a_file_from_before_the_mapping_is_unchanged(tmp_path):
    """A file with no latent_mapping key reads as none, and its terms are the affine ones."""
    older = shipped_without_config_keys(tmp_path, "latent_mapping")
    with safe_open(str(older), framework="numpy") as handle:
        assert "latent_mapping" not in json.loads(handle.metadata()["config"])
    arrays = read_model_arrays(older)
    g, weights = arrays.generator, CppnWeights.from_file(older)
    assert arrays.config.latent_mapping == 0 and weights.mapping is None and not any("mapping" in k for k in g)
    z = np.random.default_rng(4).standard_normal(8) * 2
    gains = [1.0 + g[f"latent_gain.{i}.weight"] @ z + g[f"latent_gain.{i}.bias"] for i in range(4)]
    biases = [g["latent.weight"] @ z + g["latent.bias"]] + [
        g[f"latent_bias.{i - 1}.weight"] @ z + g[f"latent_bias.{i - 1}.bias"] + gains[i] * g[f"hidden.{i - 1}.bias"]
        for i in range(1, 4)
    ]
    got_gains, got_biases = weights.frame_terms(z)
    assert np.array_equal(got_gains, np.stack(gains).astype(np.float32))
    assert np.array_equal(got_biases, np.stack(biases).astype(np.float32))
    generator = load_model(older).generator
    assert not hasattr(generator, "mapping")
    zt = torch.tensor(z, dtype=torch.float32)[None]
    with torch.no_grad():  # torch's terms: z straight into the affine layers, as before the mapping
        want_gains = [1.0 + F.linear(zt, layer.weight, layer.bias) for layer in generator.latent_gain]
        affine = [generator.latent, *generator.latent_bias]
        want_biases = [F.linear(zt, layer.weight, layer.bias) for layer in affine]
        got = generator.frame_terms(zt)
    for got_terms, want_terms in zip(got, (want_gains, want_biases), strict=True):
        assert all(torch.equal(a, b) for a, b in zip(got_terms, want_terms, strict=True))


def test_the_exported_cost_counts_the_mapping():
    weights = CppnWeights.from_generator(saturated_cppn(FILM, 8))
    cost = shader_cost(weights)
    # 8 terms of 32 x 32 (they read m) + the mapping's 32 x 8; 132 tanh + the mapping's 32
    assert (cost.network_macs, cost.latent_macs, cost.tanh, cost.sin) == (3328, 8 * 32 * 32 + 32 * 8, 164, 0)
    plain = shader_cost(CppnWeights.from_generator(saturated_cppn(PLAIN, 8)))
    assert (plain.latent_macs, plain.tanh) == (32 * 16 + 16 * 6, 132 + 16)  # layer 0's bias only
    source = network_source(weights)
    assert len(re.findall(r"vec4 m\d = cppn_tanh\(", source)) == 8
    assert source.count("* z0") == source.count("* z1") == 8  # z is read by the mapping alone
    assert source.count("* m7") == 8 * 8  # and every term's 8 blocks read all of m
    gains, biases = latent_terms(weights)
    assert gains[0].matrix.shape == biases[2].matrix.shape == (32, 32)
    assert "(its 32-value mapping m = tanh(A z + a) included)" in isf_source(weights, ExportLook(z=(0.0,) * 8), "m")


@needs_glslang
@pytest.mark.parametrize("version", GLSL_VERSIONS)
def test_the_isf_export_with_a_mapping_compiles_as_every_host_gl_wraps_it(tmp_path, version):
    import subprocess

    weights = CppnWeights.from_generator(saturated_cppn(PLAIN, 9))
    source = tmp_path / "shader.frag"
    source.write_text(wrap_fragment(parse_isf(isf_source(weights, ExportLook(z=(0.0,) * 6), "m")), version))
    result = subprocess.run(["glslangValidator", str(source)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"GLSL {version}:\n{result.stdout[-2000:]}"


@needs_glslang
def test_the_compiler_counts_the_same_mapping():
    from performer.export.spirv_count import spirv_counts

    weights = CppnWeights.from_generator(saturated_cppn(FILM, 10))
    counts = spirv_counts(wrap_fragment(parse_isf(isf_source(weights, ExportLook(z=(0.0,) * 8), "m"))))
    if counts is None:
        pytest.skip("spirv-opt is not installed")
    # mat4 * vec4: the mapping 8 blocks x 2 halves of z, the terms 8 x 8 blocks x 8 blocks of m, hidden 3 x 64, out 8
    assert counts.matrix_products == 8 * 2 + 8 * 8 * 8 + 3 * 64 + 8
    assert counts.exp_lanes == shader_cost(weights).tanh == 164


def test_shadertoy_walks_a_mapping_model(ctx):
    generator = saturated_cppn(FILM, 12, bias_std=0.5)
    weights = CppnWeights.from_generator(generator)
    rng = np.random.default_rng(12)
    first, second = rng.standard_normal(8), rng.standard_normal(8)
    look = ExportLook(z=tuple(first), walk=(tuple(first), tuple(second)))
    fragment = SHADERTOY_HEADER.replace("300 es", "330") + shadertoy_source(weights, look, "m") + SHADERTOY_FOOTER
    frames = [{"iResolution": (72.0, 48.0, 1.0), "iTime": t} for t in (1.0, 3.0)]
    for (seconds, z), image in zip(
        ((1.0, first), (3.0, (first + second) / 2)), render_plain(ctx, fragment, frames), strict=True
    ):
        expected = reference(generator, z)
        assert expected[0][..., :3].std() > 20  # something in the picture to get wrong
        assert_close(image, expected, f"Shadertoy at {seconds} s")


def test_a_training_step_moves_the_mapping():
    from performer.train.config import TrainConfig
    from performer.train.loop import Trainer

    config = ModelConfig(latent_mapping=8, cppn_hidden=8, cppn_depth=2, encoder_width=8, discriminator_width=8)
    trainer = Trainer(config, TrainConfig(batch_size=4), torch.device("cpu"))
    before = trainer.nets.generator.mapping.weight.detach().clone()
    trainer.train_step(torch.rand(4, 1, 28, 28))
    assert not torch.equal(before, trainer.nets.generator.mapping.weight)
