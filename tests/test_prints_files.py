"""Print files and loss-network weight files: round trips, and a clear error for every broken file."""

from __future__ import annotations

import json

import pytest
import torch
from safetensors.torch import save_file

from performer.prints.features import FeatureError, RandomFeatures, VGG16Features, load_vgg16, loss_network
from performer.prints.files import FORMAT, PrintFileError, load_prints, save_prints
from performer.prints.network import PrintConfig, PrintNet


@pytest.fixture
def net() -> PrintNet:
    torch.manual_seed(2)
    model = PrintNet(PrintConfig(prints=2, width=8, residual_blocks=1))
    with torch.no_grad():
        for param in model.parameters():
            param.add_(torch.randn_like(param) * 0.1)
    return model.eval()


def test_round_trip_is_exact(tmp_path, net):
    path = save_prints(tmp_path / "two", net, ["stripes", "dots"], {"note": "test"})
    assert path.name == "two.safetensors"
    loaded = load_prints(path)
    assert loaded.names == ("stripes", "dots") and loaded.info == {"note": "test"}
    assert loaded.net.config == net.config
    for key, value in net.state_dict().items():
        assert torch.equal(loaded.net.state_dict()[key], value)


def rewrite(path, tensors=None, **metadata):
    """Write a print file with some tensors or metadata changed."""
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as handle:
        meta = dict(handle.metadata())
        data = {k: handle.get_tensor(k) for k in handle.keys()}
    data.update(tensors or {})
    meta.update(metadata)
    save_file(data, str(path), metadata=meta)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda p: p.unlink(), "no such print file"),
        (lambda p: p.write_bytes(b"garbage" * 40), "not a readable safetensors file"),
        (lambda p: p.write_bytes(p.read_bytes()[:200]), "not a readable safetensors file"),
        (lambda p: rewrite(p, format="performer-model/1"), "expected 'performer-prints/1'"),
        (lambda p: rewrite(p, config="{not json"), "malformed config/names JSON"),
        (
            lambda p: rewrite(p, config=json.dumps({"prints": 2, "width": 8, "residual_blocks": 1, "hue": 3})),
            "unknown print config keys",
        ),
        (lambda p: rewrite(p, names=json.dumps(["only one"])), "1 print names for a network that holds 2"),
        (lambda p: rewrite(p, names=json.dumps(["a", "a"])), "repeat"),
        (lambda p: rewrite(p, names=json.dumps(["a/../b", "c"])), "print names must be"),
        (lambda p: rewrite(p, {"out.weight": torch.zeros(3, 8, 5, 5)}), "out.weight has shape"),
        (lambda p: rewrite(p, {"out.bias": torch.full((3,), float("nan"))}), "NaN or infinite"),
        (lambda p: rewrite(p, {"extra.weight": torch.zeros(2)}), "unexpected ['extra.weight']"),
    ],
)
def test_broken_files_are_clear_errors(tmp_path, net, change, message):
    path = save_prints(tmp_path / "p.safetensors", net, ["a", "b"])
    change(path)
    with pytest.raises(PrintFileError) as info:
        load_prints(path)
    assert str(path) in str(info.value)
    assert message in str(info.value)


def test_metadata_names_the_format(tmp_path, net):
    from safetensors import safe_open

    path = save_prints(tmp_path / "p.safetensors", net, ["a", "b"])
    with safe_open(str(path), framework="pt") as handle:
        assert handle.metadata()["format"] == FORMAT


def vgg_state(prefix: str = "features.") -> dict[str, torch.Tensor]:
    torch.manual_seed(0)
    return {
        prefix + k.split(".", 1)[1]: torch.randn_like(v) * 0.01
        for k, v in VGG16Features().state_dict().items()
        if k.startswith("features.")
    }


def test_vgg16_loads_from_safetensors_and_weights_only_pth(tmp_path):
    state = vgg_state()
    save_file(state, str(tmp_path / "vgg.safetensors"))
    torch.save({**state, "classifier.0.weight": torch.zeros(4, 4)}, tmp_path / "vgg.pth")  # a whole-model dict
    for name in ("vgg.safetensors", "vgg.pth"):
        net = load_vgg16(tmp_path / name)
        assert torch.equal(net.features[0].weight, state["features.0.weight"])
        assert torch.equal(net.features[21].bias, state["features.21.bias"])
        features = net(torch.rand(1, 3, 32, 32))
        assert [f.shape[1] for f in features] == [64, 128, 256, 512]


class NotWeights:
    def __reduce__(self):
        return (print, ("this would run on load",))


def test_vgg16_refuses_pickled_code_and_wrong_files(tmp_path):
    torch.save({"features.0.weight": NotWeights()}, tmp_path / "evil.pth")
    with pytest.raises(FeatureError, match="weights_only=True"):
        load_vgg16(tmp_path / "evil.pth")
    with pytest.raises(FeatureError, match="no such VGG16 weights file"):
        load_vgg16(tmp_path / "missing.pth")
    state = vgg_state()
    state["features.5.weight"] = torch.zeros(128, 64, 5, 5)
    save_file(state, str(tmp_path / "wrong.safetensors"))
    with pytest.raises(FeatureError, match="features.5.weight is"):
        load_vgg16(tmp_path / "wrong.safetensors")
    save_file({"conv.weight": torch.zeros(1)}, str(tmp_path / "other.safetensors"))
    with pytest.raises(FeatureError, match="missing"):
        load_vgg16(tmp_path / "other.safetensors")


def test_random_loss_network_is_fixed_and_multiscale():
    a, b = loss_network(None), RandomFeatures()
    image = torch.rand(1, 3, 64, 64)
    features = a(image)
    assert [tuple(f.shape[-2:]) for f in features] == [(64, 64), (32, 32), (16, 16), (8, 8)]
    assert all(torch.equal(x, y) for x, y in zip(features, b(image), strict=True))  # same seed, same net
    assert not any(p.requires_grad for p in a.parameters())
