"""Sine units (ModelConfig.cppn_sine_units) outside the parity tests: every program that carries them passes the
reference compiler for its GLSL, the exported shader's cost counts the sines apart from the tanh (as the compiler
sees them too), and multiply-adds are unchanged. Parity with torch: test_render_cppn.py (performer's shader,
loops and generated), test_isf_export.py (ISF), test_canvas_pixels.py (numpy)."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
import torch

from performer.cli import main
from performer.export.cppn_glsl import network_source, shader_cost
from performer.export.isf import ExportLook, isf_source
from performer.export.isf_host import GLSL_VERSIONS, parse_isf, wrap_fragment
from performer.model.checkpoint import save_model
from performer.model.config import ModelConfig
from performer.model.cppn import CPPN, Encoder
from performer.render.cppn_renderer import WEIGHT_MODES, CppnRenderer
from performer.render.weights import CppnWeights

CONFIG = ModelConfig(cppn_sine_units=16)  # 32 units x 4 layers, FiLM: 16 sines and 116 tanh (the sigmoid's 4)
needs_glslang = pytest.mark.skipif(shutil.which("glslangValidator") is None, reason="glslang-tools not installed")


@pytest.fixture(scope="module")
def weights() -> CppnWeights:
    torch.manual_seed(3)
    return CppnWeights.from_generator(CPPN(CONFIG).eval())


def validate(tmp_path, source: str, stage: str) -> subprocess.CompletedProcess:
    path = tmp_path / f"shader.{stage}"
    path.write_text(source)
    return subprocess.run(["glslangValidator", str(path)], capture_output=True, text=True, timeout=120)


def test_multiply_adds_are_unchanged_by_sines(weights):
    assert CONFIG.macs_per_pixel == ModelConfig().macs_per_pixel == weights.macs_per_pixel == 3328


def test_the_exported_cost_counts_the_sines_apart(weights):
    cost = shader_cost(weights)
    assert (cost.network_macs, cost.latent_macs, cost.tanh, cost.sin) == (3328, 2048, 116, 16)
    assert (shader_cost(CppnWeights.from_generator(CPPN(ModelConfig()))).sin, ModelConfig().cppn_sine_units) == (0, 0)
    source = network_source(weights)
    assert len(re.findall(r"vec4 h0_\d = sin\(", source)) == 4 and len(re.findall(r"h0_\d = cppn_tanh\(", source)) == 4
    assert "= sin(" not in source.split("vec4 h1_0")[1]  # the hidden layers stay tanh
    isf = isf_source(weights, ExportLook(z=(0.0,) * 8), "sines")
    assert "and 116 tanh and 16 sin; no textures" in isf


def test_the_command_reports_the_sines(tmp_path, capsys):
    torch.manual_seed(9)
    path = save_model(tmp_path / "sines.safetensors", CONFIG, CPPN(CONFIG).eval(), Encoder(CONFIG).eval())
    assert main(["export-isf", "--out", str(tmp_path / "sines.fs"), "--model", str(path)]) == 0
    printed = capsys.readouterr().out
    assert "5,376 multiply-adds" in printed and "and 116 tanh and 16 sin" in printed
    assert "= sin(gain0_3 * " in (tmp_path / "sines.fs").read_text()


@needs_glslang
@pytest.mark.parametrize("mode", WEIGHT_MODES)
def test_performers_shader_with_sines_passes_the_reference_compiler(ctx, weights, mode, tmp_path):
    renderer = CppnRenderer(ctx, weights, mode)
    try:
        source = renderer.program.sources()["FRAGMENT_SHADER"]
        assert source.startswith("#version 330 core") and "#define SINE_BLOCKS 4" in source
        result = validate(tmp_path, source, "frag")
        assert result.returncode == 0, f"{mode}:\n{result.stdout[-2000:]}"
    finally:
        renderer.release()


@needs_glslang
@pytest.mark.parametrize("version", GLSL_VERSIONS)
def test_the_isf_export_with_sines_compiles_as_every_host_gl_wraps_it(weights, tmp_path, version):
    document = parse_isf(isf_source(weights, ExportLook(z=(0.0,) * 8), "sines"))
    result = validate(tmp_path, wrap_fragment(document, version), "frag")
    assert result.returncode == 0, f"GLSL {version}:\n{result.stdout[-2000:]}"


@needs_glslang
def test_the_compiler_counts_the_same_sines(ctx, weights):
    from performer.export.spirv_count import spirv_counts

    isf = spirv_counts(wrap_fragment(parse_isf(isf_source(weights, ExportLook(z=(0.0,) * 8), "sines"))))
    if isf is None:
        pytest.skip("spirv-opt is not installed")
    # one exp per tanh, one sin per sine unit, and the view rotation's sin (ISF inputs are per-pixel uniforms)
    assert (isf.exp_lanes, isf.sin_lanes) == (116, 16 + 1)
    renderer = CppnRenderer(ctx, weights, "const")
    try:
        ours = spirv_counts(renderer.program.sources()["FRAGMENT_SHADER"])
    finally:
        renderer.release()
    assert ours.sin_lanes == 16 and ours.exp_lanes >= 116  # and the shader's own exps (no sine elsewhere)
