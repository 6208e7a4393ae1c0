"""Model files round-trip exactly; broken or mismatched files are clear errors naming the file."""

from __future__ import annotations

import json

import pytest
import torch
from safetensors.torch import save_file

from performer.model.checkpoint import ModelFileError, load_model, read_file, save_model
from performer.model.config import ModelConfig
from performer.model.cppn import CPPN, Encoder


def test_round_trip_is_exact(random_model_file):
    path, generator, encoder = random_model_file
    loaded = load_model(path)
    assert loaded.config == ModelConfig()
    assert loaded.info == {"note": "test"}
    for original, restored in ((generator, loaded.generator), (encoder, loaded.encoder)):
        a, b = original.state_dict(), restored.state_dict()
        assert a.keys() == b.keys()
        for key in a:
            assert torch.equal(a[key], b[key]), key
    z = torch.randn(2, 8)
    with torch.no_grad():
        assert torch.equal(generator.render(z, 40, 30), loaded.generator.render(z, 40, 30))


def test_config_is_stored_as_json_inside(random_model_file):
    metadata, _ = read_file(random_model_file[0])
    assert json.loads(metadata["config"])["latent_dim"] == 8


def test_truncated_file_is_clear_error(random_model_file, tmp_path):
    data = random_model_file[0].read_bytes()
    broken = tmp_path / "truncated.safetensors"
    broken.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFileError, match="truncated.safetensors.*not a readable safetensors"):
        load_model(broken)


def test_garbage_and_missing_files(tmp_path):
    garbage = tmp_path / "garbage.safetensors"
    garbage.write_bytes(b"\x00\x01not a model at all" * 10)
    with pytest.raises(ModelFileError, match="garbage.safetensors"):
        load_model(garbage)
    with pytest.raises(ModelFileError, match="no such model file"):
        load_model(tmp_path / "absent.safetensors")


def test_shape_mismatch_names_tensor(tmp_path):
    # weights of a 16-wide CPPN under a config that says 32 wide
    small = ModelConfig(cppn_hidden=16)
    path = save_model(tmp_path / "m.safetensors", small, CPPN(small), Encoder(small))
    metadata, tensors = read_file(path)
    metadata["config"] = json.dumps({**json.loads(metadata["config"]), "cppn_hidden": 32})
    save_file(tensors, str(path), metadata=metadata)
    with pytest.raises(ModelFileError, match=r"generator\.coord\.weight has shape \(16, 3\).*\(32, 3\)"):
        load_model(path)


def test_unknown_config_key_and_missing_tensor(random_model_file):
    path = random_model_file[0]
    metadata, tensors = read_file(path)
    save_file(tensors, str(path), metadata={**metadata, "config": json.dumps({"latent_dim": 8, "colour": 1})})
    with pytest.raises(ModelFileError, match=r"unknown model config keys \['colour'\]"):
        load_model(path)
    del tensors["generator.out.bias"]
    save_file(tensors, str(path), metadata={**metadata})
    with pytest.raises(ModelFileError, match=r"missing \['out.bias'\]"):
        load_model(path)


def test_nan_weights_rejected(random_model_file):
    path = random_model_file[0]
    metadata, tensors = read_file(path)
    tensors["generator.out.weight"][0, 0] = float("nan")
    save_file(tensors, str(path), metadata=metadata)
    with pytest.raises(ModelFileError, match="NaN"):
        load_model(path)
