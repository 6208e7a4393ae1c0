"""The VAE's encoder in numpy (model/encoder_numpy.py) gives what the torch Encoder gives, without torch."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch

from performer.data.fashion_mnist import DEFAULT_DIR, load_fashion_mnist
from performer.model.arrays import ModelFileError, encoder_shapes, read_model_arrays
from performer.model.checkpoint import load_model, save_model
from performer.model.config import ModelConfig
from performer.model.cppn import CPPN, Encoder
from performer.model.encoder_numpy import NumpyEncoder, adaptive_average
from performer.paths import DEFAULT_MODEL

needs_data = pytest.mark.skipif(not DEFAULT_DIR.exists(), reason="Debian package dataset-fashion-mnist")


@pytest.mark.parametrize("config", [ModelConfig(), ModelConfig(channels=3, encoder_width=8, latent_dim=5)])
def test_shape_table_is_the_torch_encoder(config):
    assert encoder_shapes(config) == {k: tuple(v.shape) for k, v in Encoder(config).state_dict().items()}


@needs_data
def test_numpy_encoder_matches_torch_on_real_garments():
    images, labels = load_fashion_mnist("test")
    picks = np.concatenate([np.flatnonzero(labels == c)[:5] for c in range(10)])  # 5 of every class
    pixels = images[picks].astype(np.float32)[:, None] / 255.0
    with torch.no_grad():
        want_mean, want_logvar = load_model(DEFAULT_MODEL).encoder(torch.from_numpy(pixels))
    encoder = NumpyEncoder.from_file(DEFAULT_MODEL)
    mean, logvar = encoder.encode(pixels)
    assert mean.shape == (50, 8) and np.abs(want_mean.numpy()).max() > 0.5  # real, spread-out latents
    assert np.abs(mean - want_mean.numpy()).max() < 1e-4
    assert np.abs(logvar - want_logvar.numpy()).max() < 1e-4
    one, _ = encoder.encode(pixels[7])  # one image [C, S, S] gives that image's row
    assert np.abs(one - mean[7]).max() < 1e-12


def test_other_sizes_and_channels_match_torch(tmp_path):
    torch.manual_seed(3)
    config = ModelConfig(channels=3, encoder_width=8, latent_dim=5)
    encoder = Encoder(config)
    path = save_model(tmp_path / "rgb.safetensors", config, CPPN(config), encoder)
    pixels = np.random.default_rng(1).random((2, 3, 40, 40), dtype=np.float32)  # 40 -> 20 -> 10 -> 5 -> pool 4
    with torch.no_grad():
        want, _ = encoder(torch.from_numpy(pixels))
    got, _ = NumpyEncoder.from_file(path).encode(pixels)
    assert np.abs(got - want.numpy()).max() < 1e-4
    with pytest.raises(ValueError, match=r"expected pixels \[B, 3, S, S\]"):
        NumpyEncoder.from_file(path).encode(pixels[:, :1])


def test_adaptive_average_is_torchs_on_uneven_bins():
    x = np.random.default_rng(2).random((1, 2, 7, 5))
    want = torch.nn.functional.adaptive_avg_pool2d(torch.from_numpy(x), 4).numpy()
    assert np.abs(adaptive_average(x, 4) - want).max() < 1e-12


def test_encoder_tensors_are_checked_naming_the_tensor(tmp_path):
    from safetensors import safe_open
    from safetensors.numpy import load_file, save_file

    config = ModelConfig()
    encoder = Encoder(config)
    with torch.no_grad():
        encoder.head.bias.fill_(float("inf"))
    bad = save_model(tmp_path / "inf.safetensors", config, CPPN(config), encoder)
    with pytest.raises(ModelFileError, match=r"inf.safetensors: encoder.head.bias holds NaN or infinite"):
        read_model_arrays(bad)
    good = save_model(tmp_path / "good.safetensors", config, CPPN(config), Encoder(config))
    with safe_open(str(good), framework="numpy") as handle:
        metadata = handle.metadata()
    tensors = load_file(str(good))
    tensors["encoder.head.weight"] = tensors["encoder.head.weight"][:, :100]
    save_file(tensors, str(tmp_path / "short.safetensors"), metadata=metadata)
    with pytest.raises(ModelFileError, match=r"encoder.head.weight has shape \(16, 100\) but the config needs"):
        read_model_arrays(tmp_path / "short.safetensors")
    without = {k: v for k, v in tensors.items() if not k.startswith("encoder.")}
    save_file(without, str(tmp_path / "none.safetensors"), metadata=metadata)
    assert read_model_arrays(tmp_path / "none.safetensors").encoder is None
    with pytest.raises(ModelFileError, match="none.safetensors: has no encoder tensors"):
        NumpyEncoder.from_file(tmp_path / "none.safetensors")


def test_encoding_imports_no_torch_and_its_cost():
    code = (
        "import sys, time, numpy as np; from performer.model.encoder_numpy import NumpyEncoder; "
        f"e = NumpyEncoder.from_file({str(DEFAULT_MODEL)!r}); x = np.random.default_rng(0).random((1, 28, 28)); "
        "e.encode(x); t = time.perf_counter(); [e.encode(x) for _ in range(20)]; "
        "print((time.perf_counter() - t) / 20 * 1e3, 'torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    milliseconds, torch_loaded = float(out[0]), out[1]
    assert torch_loaded == "False"
    assert milliseconds < 50  # one drawing's encode, far inside the canvas's 80 ms debounce
    print(f"numpy encode: {milliseconds:.2f} ms per 28x28 image")
