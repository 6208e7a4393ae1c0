"""export-isf beyond the shipped model: other shapes (no FiLM, RGB, a latent that is not a multiple of 4, a latent
mapping) render the torch CPPN through the ISF host, and the command writes both files or says in one line why not."""

from __future__ import annotations

import json

import numpy as np
import pytest
from saturated_cppn import saturated_cppn
from test_isf import NEUTRAL, SIZE, TOLERANCE, inputs_for, reference

from performer.cli import main
from performer.export.isf import ExportLook, isf_source
from performer.export.isf_host import IsfError, IsfHost, parse_isf
from performer.model.config import ModelConfig
from performer.paths import DEFAULT_LANDMARKS
from performer.presets.landmarks import load_landmarks
from performer.render.weights import CppnWeights


@pytest.mark.parametrize(
    "config",
    [
        ModelConfig(latent_dim=6, channels=3, cppn_hidden=16, cppn_depth=3, latent_film=False),
        ModelConfig(latent_dim=5, channels=3, cppn_hidden=12, cppn_depth=4, latent_film=True),
        ModelConfig(latent_dim=8, channels=1, cppn_hidden=20, cppn_depth=2, latent_film=False),
        ModelConfig(cppn_sine_units=16),
        ModelConfig(cppn_hidden=8, cppn_depth=2, cppn_sine_units=4, latent_film=False),
        ModelConfig(latent_mapping=32),
        ModelConfig(latent_dim=5, channels=3, cppn_hidden=12, cppn_depth=3, latent_mapping=8, latent_film=False),
    ],
    ids=["rgb-plain", "rgb-film-z5", "grey-plain", "film-sine16", "plain-8x2-sine4", "film-mapping32", "rgb-z5-map8"],
)
def test_other_shapes_render_the_torch_cppn(ctx, config):
    generator = saturated_cppn(config, seed=config.cppn_hidden, bias_std=0.5)
    weights = CppnWeights.from_generator(generator)
    z = np.random.default_rng(config.latent_dim).standard_normal(config.latent_dim)
    host = IsfHost(ctx, isf_source(weights, ExportLook(z=tuple(z)), "random"))
    try:
        assert [item["NAME"] for item in host.document.inputs[: config.latent_dim + 1]][-2:] == [
            f"z{config.latent_dim}",
            "zoom",
        ]
        assert reference(generator, z)[0][..., :3].std() > 20  # the picture has something in it to get wrong
        for look in ({}, {"palette": 2, "zoom": 1.7, "rotation": 10.0}, {"contrast": 0.5, "brightness": 0.2}):
            host.set(**inputs_for(z, **NEUTRAL | look))
            wanted, _ = reference(generator, z, **look)
            difference = np.abs(host.render(SIZE).astype(np.float64) - wanted)
            assert difference.max() <= TOLERANCE, f"{look}: max {difference.max():.2f}/255"
    finally:
        host.release()


def test_the_host_refuses_a_file_without_a_json_header():
    with pytest.raises(IsfError, match="header"):
        parse_isf("void main() { gl_FragColor = vec4(1.0); }\n")
    with pytest.raises(IsfError, match="not JSON"):
        parse_isf("/*{ INPUTS: [] }*/\nvoid main() {}\n")


def test_the_command_writes_both_files(tmp_path, random_model_file, capsys):
    out = tmp_path / "shaders" / "garment.fs"
    assert main(["export-isf", "--out", str(out), "--model", str(random_model_file[0]), "--landmark", "4"]) == 0
    printed = capsys.readouterr().out
    assert "5,376 multiply-adds" in printed and "walks 15 garments" in printed
    header = parse_isf(out.read_text()).header
    defaults = {item["NAME"]: item["DEFAULT"] for item in header["INPUTS"]}
    coat = load_landmarks(DEFAULT_LANDMARKS)[4]  # --landmark 4, as shipped
    assert coat.name == "coat" and defaults["zoom"] == coat.zoom
    assert (defaults["z1"], defaults["z8"]) == pytest.approx((coat.z[0], coat.z[7]), abs=1e-4)
    plain = (tmp_path / "shaders" / "garment_shadertoy.glsl").read_text()
    assert "void mainImage(out vec4 fragColor, in vec2 fragCoord)" in plain and "const int CPPN_WALK = 15;" in plain
    json.dumps(header)  # plain JSON values throughout


def test_the_command_says_why_not_in_one_line(tmp_path, random_model_file, capsys):
    garbage = tmp_path / "garbage.safetensors"
    garbage.write_bytes(b"not a model")
    assert main(["export-isf", "--out", str(tmp_path / "a.fs"), "--model", str(garbage)]) == 2
    assert main(["export-isf", "--out", str(tmp_path / "b.fs"), "--model", str(random_model_file[0]),
                 "--landmark", "no such garment"]) == 2  # fmt: skip
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 and all(line.startswith("error: ") for line in lines)
    assert "no landmark named 'no such garment'" in lines[1]
    assert not list(tmp_path.glob("*.fs"))
