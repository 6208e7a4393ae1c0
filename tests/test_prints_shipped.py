"""The shipped prints (models/prints/prints.safetensors): each loads and prints, measured with a loss network
they were not trained with (another random seed), and a half blend of two prints lies between them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from performer.prints.features import RandomFeatures, gram
from performer.prints.files import DEFAULT_PRINTS, load_prints
from performer.prints.procedural_styles import STYLES, style_image

SIZE = 128


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def shipped():
    assert Path(DEFAULT_PRINTS).is_file(), f"{DEFAULT_PRINTS} is missing: the shipped prints are part of the repo"
    return load_prints(DEFAULT_PRINTS)


def garments() -> torch.Tensor:
    """Three grey garment-like silhouettes drawn here (a shirt, trousers, a dress), shaded top to bottom,
    on black: the kind of picture the CPPN makes, independent of any model file."""
    y, x = np.mgrid[0:SIZE, 0:SIZE] / SIZE - 0.5
    shirt = ((np.abs(x) < 0.22) & (np.abs(y) < 0.38)) | ((np.abs(x) < 0.42) & (y > -0.38) & (y < -0.15))
    trousers = (np.abs(x) < 0.25) & (np.abs(y) < 0.42) & ~((np.abs(x) < 0.04) & (y > -0.2))
    dress = (np.abs(x) < 0.08 + 0.35 * (y + 0.42)) & (np.abs(y) < 0.42)
    shade = 0.95 - 0.35 * (y + 0.5)
    images = np.stack([m * shade for m in (shirt, trousers, dress)]).astype(np.float32)
    return torch.from_numpy(images)[:, None]


@pytest.fixture(scope="module")
def judge():
    """A random network of another seed and a smaller kernel than training's: fresh eyes."""
    return RandomFeatures(seed=99, kernel=3)


def style_distance(judge, images: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
    """Per image: sum over the pixels and every stage of the relative Gram error to the style image."""
    with torch.no_grad():
        total = torch.zeros(images.shape[0])
        for got, want in zip([images, *judge(images)], [style, *judge(style)], strict=True):
            g, w = gram(got), gram(want)
            total += (g - w).pow(2).sum(dim=(1, 2)) / w.pow(2).sum()
    return total


def styles() -> dict[str, torch.Tensor]:
    return {name: torch.from_numpy(style_image(name, 256)).permute(2, 0, 1)[None] for name in STYLES}


def stylise(loaded, content: torch.Tensor, a: int, b: int, mix: float) -> torch.Tensor:
    with torch.no_grad():
        return loaded.net(content, loaded.net.mix_weights(a, b, mix, batch=content.shape[0]))


def test_ships_at_least_four_small_prints(shipped):
    assert len(shipped.names) >= 4
    assert set(shipped.names) <= set(STYLES), "the shipped prints come from the code-made styles"
    assert Path(DEFAULT_PRINTS).stat().st_size < 400 * 1024


def test_every_print_moves_the_garment_towards_its_style(shipped, judge):
    content = garments()
    rgb = content.expand(-1, 3, -1, -1)
    targets = styles()
    for index, name in enumerate(shipped.names):
        out = stylise(shipped, content, index, index, 0.0)
        assert (out - rgb).abs().mean() > 0.1, f"{name} barely changes the image"
        styled, plain = style_distance(judge, out, targets[name]), style_distance(judge, rgb, targets[name])
        assert (styled < 0.5 * plain).all(), f"{name}: {styled.tolist()} vs unstyled {plain.tolist()}"


def test_each_print_is_nearest_its_own_style(shipped, judge):
    content = garments()
    targets = styles()
    for index, name in enumerate(shipped.names):
        out = stylise(shipped, content, index, index, 0.0)
        distances = {other: float(style_distance(judge, out, targets[other]).mean()) for other in shipped.names}
        assert min(distances, key=distances.get) == name, distances


def test_half_blend_lies_between_the_two_prints(shipped, judge):
    content = garments()
    targets = styles()
    for a, b in ((0, 1), (2, 3)):
        ends = [stylise(shipped, content, a, b, m) for m in (0.0, 0.5, 1.0)]
        to_a = [float(style_distance(judge, image, targets[shipped.names[a]]).mean()) for image in ends]
        to_b = [float(style_distance(judge, image, targets[shipped.names[b]]).mean()) for image in ends]
        assert to_a[0] < to_a[1] < to_a[2], to_a
        assert to_b[2] < to_b[1] < to_b[0], to_b
        span = (ends[0] - ends[2]).abs().mean()
        assert (ends[1] - ends[0]).abs().mean() < span and (ends[1] - ends[2]).abs().mean() < span
