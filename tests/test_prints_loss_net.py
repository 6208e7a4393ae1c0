"""The loss network trained here: its patches, its training, its file, and train-prints using it."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from performer.prints.features import FeatureError
from performer.prints.style_quality import blob_circularities
from performer.prints.texture_patches import CLASSES, make_patch, patch_batch
from performer.prints.train import ContentSource, TrainPrintsConfig, train_prints
from performer.prints.trained_features import (
    FORMAT,
    MAX_BYTES,
    TrainedFeatures,
    choose_loss_network,
    load_loss_net,
    save_loss_net,
    train_step,
)

SMALL = (4, 8, 8, 8)


def test_patches_have_the_shape_range_and_labels_asked_for():
    images, labels = patch_batch(np.random.default_rng(0), 40, 48)
    assert images.shape == (40, 3, 48, 48) and images.dtype == np.float32
    assert labels.shape == (40,) and labels.dtype == np.int64
    assert images.min() >= 0.0 and images.max() <= 1.0
    assert set(labels.tolist()) <= set(range(len(CLASSES))) and len(set(labels.tolist())) > 5
    for label in range(len(CLASSES)):
        patch = make_patch(label, np.random.default_rng(label), 32)
        assert patch.shape == (32, 32, 3) and 0.0 <= patch.min() <= patch.max() <= 1.0, CLASSES[label]


def ink_level(image: np.ndarray) -> np.ndarray:
    """A two-colour image's place between its colours (0..1), the minority colour as ink."""
    pixels = image.reshape(-1, 3).astype(np.float64)
    centred = pixels - pixels.mean(0)
    axis = np.linalg.svd(centred, full_matrices=False)[2][0]
    t = centred @ axis
    t = (t - t.min()) / (t.max() - t.min() + 1e-12)
    t = t if (t > 0.5).mean() < 0.5 else 1.0 - t
    return t.reshape(image.shape[:2])


def round_share(label: int, seeds: range) -> float:
    patches = [make_patch(label, np.random.default_rng(s), 96) for s in seeds]
    values = np.concatenate([blob_circularities(ink_level(patch)) for patch in patches])
    return float((values >= 0.8).mean())


def test_classes_differ_where_the_loss_network_must_tell_them_apart():
    dots, blotches = CLASSES.index("round_dots"), CLASSES.index("blotches")
    assert round_share(dots, range(6)) > 0.9 and round_share(blotches, range(6)) < 0.7  # measured 1.00, 0.50
    rng = np.random.default_rng(0)
    flat = [make_patch(CLASSES.index("flat"), rng, 64).std(axis=(0, 1)).max() for _ in range(10)]
    leopard = [make_patch(CLASSES.index("leopard"), rng, 64).std(axis=(0, 1)).max() for _ in range(10)]
    assert max(flat) < 0.1 < min(leopard)
    stripes = make_patch(CLASSES.index("stripes"), np.random.default_rng(3), 64)
    assert not np.allclose(stripes, make_patch(CLASSES.index("check"), np.random.default_rng(3), 64))


def test_a_few_steps_lower_the_classification_loss():
    torch.manual_seed(0)
    images, labels = patch_batch(np.random.default_rng(0), 16, 32)
    x, y = torch.from_numpy(images), torch.from_numpy(labels)
    net = TrainedFeatures(SMALL)
    optimiser = torch.optim.Adam(net.parameters(), lr=3e-3)
    losses = [train_step(net, optimiser, x, y)[0] for _ in range(25)]
    assert losses[-1] < 0.7 * losses[0], losses


def test_features_are_multiscale_like_the_random_network():
    features = TrainedFeatures(SMALL).requires_grad_(False)(torch.rand(2, 3, 32, 32))
    assert [tuple(f.shape) for f in features] == [(2, 4, 32, 32), (2, 8, 16, 16), (2, 8, 8, 8), (2, 8, 4, 4)]
    assert all(float(f.min()) >= 0 for f in features)


@pytest.fixture
def saved(tmp_path):
    torch.manual_seed(0)
    net = TrainedFeatures(SMALL).eval()
    return net, save_loss_net(tmp_path / "loss_net.safetensors", net, {"steps": 0})


def test_file_round_trips_to_float16_precision(saved):
    net, path = saved
    loaded = load_loss_net(path)
    image = torch.rand(1, 3, 32, 32)
    for a, b in zip(net(image), loaded(image), strict=True):
        assert torch.allclose(a, b, atol=2e-3, rtol=2e-3)
    assert not any(p.requires_grad for p in loaded.parameters())
    assert isinstance(choose_loss_network(loss_net=path), TrainedFeatures)
    assert json.loads(open(path, "rb").read(4096)[8:].split(b"}}")[0] + b"}}")["__metadata__"]["format"] == FORMAT


def one_line_error(path) -> str:
    with pytest.raises(FeatureError) as info:
        load_loss_net(path)
    message = str(info.value)
    assert "\n" not in message and str(path) in message
    return message


def test_corrupt_oversized_and_mismatched_files_are_one_line_errors(saved, tmp_path):
    net, path = saved
    garbage = tmp_path / "garbage.safetensors"
    garbage.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json at all" + b"\x00" * 64)
    assert "not a readable safetensors" in one_line_error(garbage)
    truncated = tmp_path / "truncated.safetensors"
    truncated.write_bytes(path.read_bytes()[:-100])
    one_line_error(truncated)
    huge = tmp_path / "huge.safetensors"
    with open(huge, "wb") as handle:
        handle.truncate(MAX_BYTES + 1)  # sparse: refused from its size before anything is read
    assert "at most" in one_line_error(huge)
    assert "no such" in one_line_error(tmp_path / "missing.safetensors")
    state = {k: v.clone() for k, v in net.state_dict().items()}
    config = json.dumps({"widths": list(SMALL), "kernel": 5, "classes": list(CLASSES)})
    state["convs.1.weight"] = torch.zeros(8, 4, 3, 3)
    save_file(state, str(tmp_path / "shape.safetensors"), metadata={"format": FORMAT, "config": config})
    assert "convs.1.weight" in one_line_error(tmp_path / "shape.safetensors")
    del state["convs.1.weight"]
    save_file(state, str(tmp_path / "missing_layer.safetensors"), metadata={"format": FORMAT, "config": config})
    assert "missing ['convs.1.weight']" in one_line_error(tmp_path / "missing_layer.safetensors")
    save_file(dict(net.state_dict()), str(tmp_path / "other.safetensors"), metadata={"format": "performer-prints/1"})
    assert "format" in one_line_error(tmp_path / "other.safetensors")


def test_train_prints_with_the_trained_loss_network(saved, tmp_path):
    _, loss_path = saved
    config = TrainPrintsConfig(epochs=1, steps_per_epoch=2, batch=2, size=32, width=8, residual_blocks=1, cppn_pool=4)
    source = ContentSource(32, torch.rand(4, 1, 32, 32), None, 1.0, seed=0)
    seen: list[float] = []
    path = train_prints(
        ["procedural:polka_dots"],
        tmp_path / "dots",
        source,
        config,
        progress=False,
        on_step=lambda step, averages: seen.append(averages["style"]),
        loss_net=loss_path,
    )
    from performer.prints.files import load_prints
    from performer.prints.style_report import judge_loss_network

    info = load_prints(path).info
    assert len(seen) == 2 and all(np.isfinite(seen))
    assert info["loss_network"] == f"trained ({loss_path})"
    assert isinstance(judge_loss_network(info)[0], TrainedFeatures)
    with pytest.raises(FeatureError, match="one loss network"):
        choose_loss_network(vgg=loss_path, loss_net=loss_path)


def test_the_commands_take_the_loss_network():
    from performer.cli import build_parser

    args = build_parser(["train-prints"]).parse_args(
        ["train-prints", "procedural:stripes", "--out", "x", "--loss-net", "models/prints/loss_net.safetensors"]
    )
    assert str(args.loss_net) == "models/prints/loss_net.safetensors"
    args = build_parser(["train-loss-net"]).parse_args(["train-loss-net", "--out", "n.safetensors", "--steps", "3"])
    assert args.steps == 3


def test_the_style_judge_picks_its_loss_network(saved):
    from pathlib import Path

    from performer.prints.features import RandomFeatures
    from performer.prints.style_report import judge_loss_network

    _, path = saved
    assert isinstance(judge_loss_network({})[0], RandomFeatures)  # prints from before the trained network
    assert isinstance(judge_loss_network({"loss_network": "trained (/gone.safetensors)"})[0], RandomFeatures)
    assert isinstance(judge_loss_network({}, Path("random"))[0], RandomFeatures)
    assert judge_loss_network({}, path)[1] == f"trained ({path})"
