"""The shader CPPN against the torch CPPN (the reference), on a headless EGL context."""

from __future__ import annotations

import copy
import dataclasses
import math

import numpy as np
import pytest
import torch
from saturated_cppn import saturated_cppn

from performer.model.config import ModelConfig
from performer.model.cppn import CPPN, coordinate_grid
from performer.palettes import PALETTE_NAMES, palette_table
from performer.render.cppn_renderer import CppnRenderer
from performer.render.weights import CppnWeights
from performer.state import PerformanceState

TOLERANCE = 2  # of 255, per pixel, max


@pytest.fixture(scope="module")
def cppn() -> CPPN:
    """Weights with std 1 (biases 0.5): far bigger than PyTorch's init, so the image has structure at
    several scales, units saturate, and any slip in coordinates or packing shows."""
    torch.manual_seed(11)
    model = CPPN(ModelConfig()).eval()
    with torch.no_grad():
        for layer in model.modules():
            if isinstance(layer, torch.nn.Linear):
                layer.weight.normal_(0.0, 1.0)
                if layer.bias is not None:
                    layer.bias.normal_(0.0, 0.5)
    return model


@pytest.fixture(scope="module")
def renderers(ctx, cppn):
    weights = CppnWeights.from_generator(cppn)
    made = {mode: CppnRenderer(ctx, weights, mode) for mode in ("const", "ubo", "texture")}
    yield made
    for renderer in made.values():
        renderer.release()


def reference(cppn: CPPN, z, width, height, zoom=1.0, pan=(0.0, 0.0), degrees=0.0) -> np.ndarray:
    """Torch output as [height, width] floats in 0..255, row 0 at the top."""
    with torch.no_grad():
        image = cppn.render(torch.tensor(z, dtype=torch.float32)[None], width, height, zoom, pan, math.radians(degrees))
    return image[0, 0].numpy().astype(np.float64) * 255.0


def state_for(z, **params) -> PerformanceState:
    state = PerformanceState()
    state.set_z(z)
    for name, value in params.items():
        state.set(name, value)
    return state


def shader(renderer: CppnRenderer, state: PerformanceState, width: int, height: int) -> np.ndarray:
    image = renderer.render(state, (width, height)).read_rgb().astype(np.float64)
    assert renderer.ctx.error == "GL_NO_ERROR"
    return image


rng = np.random.default_rng(5)
Z_CASES = {
    "zero": np.zeros(8),
    "prior": rng.standard_normal(8),
    "all+4": np.full(8, 4.0),
    "all-4": np.full(8, -4.0),
    "alternating": np.array([4.0, -4.0] * 4),
    "one-extreme": np.array([0, 0, 0, -4.0, 0, 0, 0, 0]),
}


@pytest.mark.parametrize("name", list(Z_CASES))
@pytest.mark.parametrize("width,height", [(128, 128), (160, 96)])
def test_parity_with_torch(renderers, cppn, name, width, height):
    z = Z_CASES[name]
    want = reference(cppn, z, width, height)
    got = shader(renderers["const"], state_for(z), width, height)
    assert want.std() > 5, "the reference image is nearly flat: the test would prove little"
    for channel in range(3):  # grey is written to R, G and B
        assert np.abs(got[..., channel] - want).max() <= TOLERANCE


@pytest.mark.parametrize("mode", ["ubo", "texture"])
def test_every_weight_mode_matches_torch(renderers, cppn, mode):
    z = Z_CASES["prior"] * 2
    got = shader(renderers[mode], state_for(z), 128, 128)[..., 0]
    assert np.abs(got - reference(cppn, z, 128, 128)).max() <= TOLERANCE


def test_view_transform_matches_torch(renderers, cppn):
    z = Z_CASES["prior"]
    state = state_for(z, zoom=1.7, pan_x=0.3, pan_y=-0.45, rotation=33.0)
    want = reference(cppn, z, 120, 90, 1.7, (0.3, -0.45), 33.0)
    assert np.abs(shader(renderers["const"], state, 120, 90)[..., 0] - want).max() <= TOLERANCE


def test_odd_sizes_resize_the_target(renderers, cppn):
    renderer, z = renderers["const"], Z_CASES["prior"]
    for width, height in [(1, 1), (7, 3), (127, 65), (31, 333), (128, 128)]:
        got = shader(renderer, state_for(z), width, height)
        assert got.shape == (height, width, 3)
        assert renderer.target.size == (width, height)
        assert np.abs(got[..., 0] - reference(cppn, z, width, height)).max() <= TOLERANCE


def test_pan_by_the_full_width_shows_the_neighbouring_region(renderers):
    # 128x64: the short side (64 px) spans 2 units, so the frame is 4 units wide. A 256x64 frame at
    # pan 0 spans x in [-4, 4]; its halves are exactly the 128x64 frames centred at x = -2 and x = +2.
    renderer, z = renderers["const"], Z_CASES["prior"]
    wide = shader(renderer, state_for(z), 256, 64)
    left = shader(renderer, state_for(z, pan_x=-2.0), 128, 64)
    right = shader(renderer, state_for(z, pan_x=2.0), 128, 64)
    assert np.abs(left - wide[:, :128]).max() <= 1
    assert np.abs(right - wide[:, 128:]).max() <= 1
    assert np.abs(left - right).mean() > 10  # the two neighbours are different places


def test_pan_down_moves_the_image_up(renderers):
    renderer, z = renderers["const"], Z_CASES["prior"]
    tall = shader(renderer, state_for(z), 64, 128)  # y spans [-2, 2]
    lower = shader(renderer, state_for(z, pan_y=1.0), 64, 64)  # y in [0, 2]: the bottom half
    assert np.abs(lower - tall[64:]).max() <= 1


def test_zoom_two_is_the_centre_at_half_the_size(renderers):
    renderer, z = renderers["const"], Z_CASES["prior"]
    full = shader(renderer, state_for(z), 128, 128)
    zoomed = shader(renderer, state_for(z, zoom=2.0), 64, 64)
    assert np.abs(zoomed - full[32:96, 32:96]).max() <= 1


def test_rotation_turns_the_view(renderers):
    # rotation 90: the pixel at (x, y) shows the point (-y, x), i.e. the picture turns counter-clockwise.
    renderer, z = renderers["const"], Z_CASES["prior"]
    upright = shader(renderer, state_for(z), 96, 96)
    turned = shader(renderer, state_for(z, rotation=90.0), 96, 96)
    assert np.abs(turned - np.rot90(upright, 1)).max() <= 1
    assert np.abs(turned - upright).mean() > 10


def palette_expected(level: np.ndarray, index: int) -> np.ndarray:
    table = palette_table(256)[index].astype(np.float64)
    x = np.linspace(0.0, 1.0, 256)
    return np.stack([np.interp(level, x, table[:, k]) for k in range(3)], -1) * 255.0


@pytest.mark.parametrize("index", range(len(PALETTE_NAMES)))
def test_every_palette(renderers, cppn, index):
    z = Z_CASES["prior"]
    level = reference(cppn, z, 96, 64) / 255.0
    got = shader(renderers["const"], state_for(z, palette=index), 96, 64)
    want = palette_expected(level, index)
    assert np.abs(got - want).max() <= TOLERANCE
    if PALETTE_NAMES[index] == "grey":
        assert np.abs(got - level[..., None] * 255.0).max() <= TOLERANCE


def test_palettes_differ(renderers):
    images = [
        shader(renderers["const"], state_for(Z_CASES["prior"], palette=i), 48, 48) for i in range(len(PALETTE_NAMES))
    ]
    for i in range(len(images)):
        for j in range(i + 1, len(images)):
            assert np.abs(images[i] - images[j]).mean() > 5, (PALETTE_NAMES[i], PALETTE_NAMES[j])


def test_brightness_contrast_background(renderers, cppn):
    z = Z_CASES["prior"]
    level = reference(cppn, z, 96, 64) / 255.0
    state = state_for(z, contrast=1.5, brightness=0.1, bg_r=0.2, bg_g=0.0, bg_b=0.4)
    got = shader(renderers["const"], state, 96, 64)
    graded = np.clip((level - 0.5) * 1.5 + 0.5 + 0.1, 0, 1)
    want = np.clip(graded[..., None] + np.array([0.2, 0.0, 0.4]) * (1 - graded[..., None]), 0, 1) * 255
    assert np.abs(got - want).max() <= TOLERANCE


# Sine units (ModelConfig.cppn_sine_units): sin on layer 0's first units, in the loop and the generated shader.
SINE_CONFIGS = [
    ModelConfig(cppn_sine_units=16),
    ModelConfig(cppn_hidden=8, cppn_depth=2, cppn_sine_units=4, latent_film=False),
]
SINE_IDS = ["film-sine16", "plain-8x2-sine4"]


def exact(model: CPPN, z, width: int, height: int) -> np.ndarray:
    """The model in float64 as [height, width, 3] in 0..255 (grey repeated). Sines do not saturate as tanh
    does: with std-1 FiLM gains (up to 27 at z = +-4) float32 torch is itself up to 3/255 off this at a few
    pixels, the shader about 1/255, so the shader is held to the exact picture."""
    coords = coordinate_grid(width, height, model.config.coord_scale).double()
    with torch.no_grad():
        out = copy.deepcopy(model).double()(torch.tensor(z, dtype=torch.float64)[None], coords)[0]
    image = out.T.reshape(-1, height, width).numpy().transpose(1, 2, 0) * 255.0
    return np.repeat(image, 3, axis=2) if image.shape[2] == 1 else image


@pytest.mark.parametrize(
    "config",
    [
        ModelConfig(latent_film=False),
        ModelConfig(latent_film=True),
        ModelConfig(channels=3, cppn_hidden=16, cppn_depth=3),
        ModelConfig(cppn_hidden=8, cppn_depth=1, coord_scale=5.0),
        *SINE_CONFIGS,
        ModelConfig(latent_mapping=32),
        ModelConfig(channels=3, cppn_hidden=16, cppn_depth=3, latent_mapping=8, latent_film=False),
    ],
    ids=["plain", "film", "rgb-16x3", "8x1", *SINE_IDS, "film-mapping32", "rgb-plain-mapping8"],
)
def test_parity_for_other_model_shapes(ctx, config):
    model = saturated_cppn(config, 21)
    renderer = CppnRenderer(ctx, CppnWeights.from_generator(model), "texture")  # quick to compile
    try:
        for z in (Z_CASES["prior"], Z_CASES["alternating"]):
            got = shader(renderer, state_for(z), 128, 96)
            assert np.abs(got - exact(model, z, 128, 96)).max() <= TOLERANCE
    finally:
        renderer.release()


@pytest.mark.parametrize("mode", ["const", "ubo"])  # texture: test_parity_for_other_model_shapes
@pytest.mark.parametrize("config", SINE_CONFIGS, ids=SINE_IDS)
def test_sine_units_match_torch_in_the_other_weight_modes(ctx, config, mode):
    """const is the generated straight-line code (generated_network), ubo the loops of shaders/cppn.glsl."""
    model = saturated_cppn(config, 23)
    tanh_twin = CPPN(dataclasses.replace(config, cppn_sine_units=0)).eval()  # the same weights, tanh throughout
    tanh_twin.load_state_dict(model.state_dict())
    renderer = CppnRenderer(ctx, CppnWeights.from_generator(model), mode)
    try:
        assert renderer.program.defines["SINE_BLOCKS"] == config.cppn_sine_units // 4
        for z in (Z_CASES["prior"], Z_CASES["alternating"]):
            want = exact(model, z, 128, 96)
            assert np.abs(want - exact(tanh_twin, z, 128, 96)).max() > 50 * TOLERANCE  # tanh for sin would fail
            assert np.abs(shader(renderer, state_for(z), 128, 96) - want).max() <= TOLERANCE
    finally:
        renderer.release()
