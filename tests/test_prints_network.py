"""The print network: conditional instance norm blending, config checks, and that a few training steps learn."""

from __future__ import annotations

import pytest
import torch

from performer.prints.network import PrintConfig, PrintNet
from performer.prints.procedural_styles import STYLES, style_image
from performer.prints.train import ContentSource, TrainPrintsConfig, train_prints


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Tiny tensors: one thread is fastest, and more fight the GL driver and other tests for 2 cores."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def net() -> PrintNet:
    """Random convolutions and clearly different per-print scale/shift rows, so prints differ."""
    torch.manual_seed(0)
    model = PrintNet(PrintConfig(prints=3)).eval()
    with torch.no_grad():
        for name, param in model.named_parameters():
            if name.endswith("norm.scale"):
                param.copy_(torch.rand_like(param) * 2.0 + 0.2)
            elif name.endswith("norm.shift"):
                param.copy_(torch.randn_like(param))
    return model.requires_grad_(False)


def test_output_shape_and_range(net):
    image = torch.rand(2, 1, 64, 48)
    out = net(image, net.mix_weights(0, 1, 0.3, batch=2))
    assert out.shape == (2, 3, 64, 48)
    assert 0.0 <= float(out.min()) and float(out.max()) <= 1.0


def test_sides_must_be_multiples_of_four(net):
    with pytest.raises(ValueError, match="multiples of 4"):
        net(torch.rand(1, 1, 30, 32), net.mix_weights(0, 0, 0.0))


def test_mix_weights_are_a_convex_pair(net):
    row = net.mix_weights(0, 2, 0.25)[0]
    assert torch.allclose(row, torch.tensor([0.75, 0.0, 0.25]))
    assert torch.allclose(net.mix_weights(1, 1, 0.7)[0], torch.tensor([0.0, 1.0, 0.0]))
    with pytest.raises(ValueError, match="0..2"):
        net.mix_weights(0, 3, 0.5)


def test_half_mix_is_the_network_with_averaged_norm_parameters(net):
    """Blending is exactly blending the per-print scale and shift: build that network by hand."""
    image = torch.rand(1, 1, 64, 64)
    with torch.no_grad():
        mixed = net(image, net.mix_weights(0, 1, 0.5))
        averaged = PrintNet(net.config).eval()
        state = {k: v.clone() for k, v in net.state_dict().items()}
        for key in state:
            if key.endswith(("norm.scale", "norm.shift")):
                state[key][2] = 0.5 * (state[key][0] + state[key][1])
        averaged.load_state_dict(state)
        by_hand = averaged(image, averaged.mix_weights(2, 2, 0.0))
    assert torch.allclose(mixed, by_hand, atol=1e-6)


def test_half_mix_lies_between_the_two_prints(net):
    image = torch.rand(1, 1, 64, 64)
    with torch.no_grad():
        a, half, b = (net(image, net.mix_weights(0, 1, m)) for m in (0.0, 0.5, 1.0))
    span = (a - b).norm()
    assert span > 1.0, "the two prints must differ for this test to mean anything"
    assert (half - a).norm() < span and (half - b).norm() < span
    assert (half - a).norm() > 0.2 * span and (half - b).norm() > 0.2 * span


def test_live_noise_is_fixed_so_frames_do_not_flicker(net):
    image = torch.rand(1, 1, 32, 32)
    with torch.no_grad():
        first, second = net(image, net.mix_weights(0, 0, 0)), net(image, net.mix_weights(0, 0, 0))
        other = net(image, net.mix_weights(0, 0, 0), torch.rand(1, 2, 32, 32))
    assert torch.equal(first, second)
    assert not torch.equal(first, other)


def test_config_rejects_unknown_keys_and_bad_values():
    with pytest.raises(ValueError, match="unknown print config keys"):
        PrintConfig.from_dict({"prints": 2, "colour": "red"})
    with pytest.raises(ValueError, match="width"):
        PrintConfig(width=2)
    assert PrintConfig.from_dict(PrintConfig(prints=5).to_dict()) == PrintConfig(prints=5)


def test_macs_counts_the_convolutions():
    """Worked out by hand for width 4, 1 block, 1 input + 0 noise channels, 16x16: down 64*9*1*4 +
    16*9*4*8, blocks 2*16*9*8*8, up 64*9*8*4 + 256*9*4*3."""
    config = PrintConfig(width=4, residual_blocks=1, noise_channels=0)
    assert config.macs(16) == 2304 + 4608 + 18432 + 18432 + 27648


def test_procedural_styles_tile_and_differ():
    for name in STYLES:
        image = style_image(name, 128)
        assert image.shape == (128, 128, 3) and image.dtype.name == "float32"
        assert 0.0 <= image.min() and image.max() <= 1.0
        assert image.std() > 0.1, name
    # Houndstooth's weave repeats every 8 threads of 4 px: 32 px.
    hound = style_image("houndstooth", 128)
    assert (hound[:, :96] == hound[:, 32:]).all() and (hound[:96] == hound[32:]).all()
    with pytest.raises(ValueError, match="unknown procedural style"):
        style_image("paisley")


def test_a_few_training_steps_lower_the_style_loss(tmp_path):
    """Tiny: 32x32, one print, 30 steps on blocky grey content. The style loss must fall clearly."""
    torch.manual_seed(1)
    config = TrainPrintsConfig(epochs=1, steps_per_epoch=30, batch=2, size=32, width=8, residual_blocks=1, cppn_pool=8)
    content_images = torch.rand(8, 1, 8, 8).mul(4).round().div(4)
    content_images = torch.nn.functional.interpolate(content_images, size=(32, 32))  # blocky "garments"
    source = ContentSource(32, content_images, None, 1.0, seed=0)
    seen: list[float] = []
    path = train_prints(
        ["procedural:stripes"],
        tmp_path / "tiny",
        source,
        config,
        progress=False,
        on_step=lambda step, averages: seen.append(averages["style"]),
    )
    # The averages are exponential with factor 0.9, starting at the first step's own loss.
    assert len(seen) == 30
    assert seen[-1] < 0.85 * seen[0]  # measured: 3.1 -> 2.4
    from performer.prints.files import load_prints

    loaded = load_prints(path)
    assert loaded.names == ("stripes",) and loaded.info["steps"] == 30
    assert loaded.net.config == PrintConfig(prints=1, width=8, residual_blocks=1, train_size=32)
