"""The CPPN renders at any resolution and aspect, in [0, 1], consistently across resolutions."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from performer.model.config import ModelConfig
from performer.model.cppn import CPPN, coordinate_grid


@pytest.fixture
def cppn() -> CPPN:
    """Weights with std 2/sqrt(fan_in): like a trained model, the image has structure at several scales
    (PyTorch's default init is almost flat, which would make the resolution test vacuous)."""
    torch.manual_seed(3)
    model = CPPN(ModelConfig()).eval()
    with torch.no_grad():
        for layer in [model.coord, model.latent, *model.hidden, model.out, *model.latent_bias]:
            layer.weight.normal_(0.0, 2.0 / layer.in_features**0.5)
        for layer in model.latent_gain:  # gains around 1 +- 0.3 as trained models have
            layer.weight.normal_(0.0, 0.1)
    return model


@pytest.mark.parametrize("width,height", [(28, 28), (1, 1), (64, 17), (17, 64), (333, 200)])
def test_render_shape_and_range(cppn, width, height):
    z = torch.randn(3, 8) * 3
    with torch.no_grad():
        images = cppn.render(z, width, height)
    assert images.shape == (3, 1, height, width)
    assert images.min() >= 0.0 and images.max() <= 1.0
    assert torch.isfinite(images).all()


def test_coordinate_grid_convention():
    # 4x2: short side (2 rows) spans [-1, 1] at pixel edges, so row centres are at y = -0.5, +0.5
    # and the 4 columns (2 units wide each half) have centres at x = -1.5, -0.5, 0.5, 1.5.
    grid = coordinate_grid(4, 2, coord_scale=1.0).reshape(2, 4, 3)
    assert torch.allclose(grid[0, :, 0], torch.tensor([-1.5, -0.5, 0.5, 1.5]))
    assert torch.allclose(grid[:, 0, 1], torch.tensor([-0.5, 0.5]))  # y grows downward
    assert torch.allclose(grid[0, 0, 2], torch.tensor(math.hypot(1.5, 0.5)))
    # zoom 2 halves coordinates, pan shifts them, scale multiplies after pan
    zoomed = coordinate_grid(4, 2, coord_scale=3.0, zoom=2.0, pan=(1.0, 0.0)).reshape(2, 4, 3)
    assert torch.allclose(zoomed[0, :, 0], (torch.tensor([-1.5, -0.5, 0.5, 1.5]) / 2 + 1) * 3)
    # a quarter turn maps the x axis onto y
    turned = coordinate_grid(4, 2, coord_scale=1.0, rotation=math.pi / 2).reshape(2, 4, 3)
    assert torch.allclose(turned[0, 3, :2], torch.tensor([0.5, 1.5]), atol=1e-6)


def test_same_image_at_28_and_280(cppn):
    """280x280 box-downsampled by 10 matches the 28x28 render: the CPPN is resolution-independent."""
    z = torch.randn(4, 8)
    with torch.no_grad():
        small = cppn.render(z, 28)
        large = cppn.render(z, 280)
    down = F.avg_pool2d(large, 10)
    diff = (down - small).abs()
    assert diff.mean() < 0.01 and diff.max() < 0.05, (diff.mean().item(), diff.max().item())
    # and the comparison is not vacuous: a different z differs by much more
    with torch.no_grad():
        other = cppn.render(torch.randn(4, 8), 28)
    assert (other - small).abs().mean() > 0.1 > 10 * diff.mean()


def test_wide_frame_shows_more_space_with_same_centre(cppn):
    """A 2:1 frame keeps the square frame in its middle (the garment does not stretch)."""
    z = torch.randn(1, 8)
    with torch.no_grad():
        square = cppn.render(z, 32, 32)
        wide = cppn.render(z, 64, 32)
    assert torch.allclose(wide[..., 16:48], square, atol=1e-5)


def test_macs_per_pixel_formula():
    config = ModelConfig(cppn_hidden=32, cppn_depth=4, channels=1, latent_film=False)
    assert config.macs_per_pixel == 3 * 32 + 3 * 32 * 32 + 32  # 3200
    # FiLM adds one gain multiply per unit per layer: 4 * 32 = 128 more
    assert ModelConfig(cppn_hidden=32, cppn_depth=4, latent_film=True).macs_per_pixel == 3328


@pytest.mark.parametrize("film,mapping", [(True, 0), (False, 0), (True, 16), (False, 8)])
def test_frame_terms_reproduce_forward(film, mapping):
    """The per-frame terms the shader receives, applied per pixel by hand, give the network's output."""
    torch.manual_seed(11)
    model = CPPN(ModelConfig(latent_film=film, latent_mapping=mapping)).eval()
    z, coords = torch.randn(2, 8), torch.randn(50, 3)
    with torch.no_grad():
        gains, biases = model.frame_terms(z)
        h = torch.tanh(gains[0][:, None] * (coords @ model.coord.weight.T)[None] + biases[0][:, None])
        for layer, gain, bias in zip(model.hidden, gains[1:], biases[1:], strict=True):
            h = torch.tanh(gain[:, None] * (h @ layer.weight.T + layer.bias) + bias[:, None])
        manual = torch.sigmoid(h @ model.out.weight.T + model.out.bias)
        assert torch.allclose(manual, model(z, coords), atol=1e-6)
