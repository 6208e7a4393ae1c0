"""The exported ISF generator and plain GLSL: the reference compiler accepts them as every host wraps them, the
minimal ISF host (performer/export/isf_host.py: JSON header parsed, inputs bound as uniforms) renders the torch
CPPN within 2/255, the inputs' defaults and ranges are what the header says, and the shipped files are this
model's weights."""

from __future__ import annotations

import math
import shutil
import subprocess

import numpy as np
import pytest
import torch

from performer.export.cppn_glsl import latent_terms, network_source, shader_cost
from performer.export.files import export_look
from performer.export.isf import shadertoy_source
from performer.export.isf_host import GLSL_VERSIONS, IsfHost, parse_isf, wrap_fragment, wrap_vertex
from performer.model.checkpoint import load_model
from performer.palettes import PALETTE_NAMES, PALETTES
from performer.paths import DEFAULT_LANDMARKS, DEFAULT_MODEL, ROOT
from performer.presets.landmarks import load_landmarks
from performer.render.weights import CppnWeights

TOLERANCE = 2  # of 255, per pixel and channel, max
SIZE = (72, 48)
SHIPPED_ISF, SHIPPED_GLSL = ROOT / "models" / "fashion.fs", ROOT / "models" / "fashion_shadertoy.glsl"
needs_glslang = pytest.mark.skipif(shutil.which("glslangValidator") is None, reason="glslang-tools not installed")


@pytest.fixture(scope="module")
def shipped():
    """(weights, torch generator, the committed .fs text)."""
    return CppnWeights.from_file(DEFAULT_MODEL), load_model(DEFAULT_MODEL).generator, SHIPPED_ISF.read_text()


@pytest.fixture(scope="module")
def shipped_host(ctx, shipped):
    host = IsfHost(ctx, shipped[2])
    yield host
    host.release()


def smoothstep(low: float, high: float, x: np.ndarray) -> np.ndarray:
    t = np.clip((x - low) / (high - low), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def reference(
    generator,
    z,
    size=SIZE,
    zoom=1.0,
    pan=(0.0, 0.0),
    rotation=0.0,
    palette=0,
    brightness=0.0,
    contrast=1.0,
    background=(0.0, 0.0, 0.0),
    transparent=False,
) -> tuple[np.ndarray, np.ndarray]:
    """(RGBA in 0..255 [H, W, 4] from torch and numpy, the pixels to compare [H, W]): the look as performer
    draws it, palettes interpolated straight from palettes.py's stops."""
    with torch.no_grad():
        z = torch.tensor(np.asarray(z), dtype=torch.float32)[None]
        out = generator.render(z, size[0], size[1], zoom, pan, math.radians(rotation))[0].numpy().astype(np.float64)
    raw = np.moveaxis(out, 0, -1)  # [H, W, C]
    level = raw[..., 0] if raw.shape[-1] == 1 else raw @ np.array([0.2126, 0.7152, 0.0722])
    graded = np.clip((level - 0.5) * contrast + 0.5 + brightness, 0.0, 1.0)
    if palette == 0:
        colour = np.clip((np.broadcast_to(raw, (*level.shape, 3)) - 0.5) * contrast + 0.5 + brightness, 0.0, 1.0)
    else:
        stops = PALETTES[PALETTE_NAMES[palette]]
        positions, colours = [p for p, _ in stops], np.array([c for _, c in stops])
        colour = np.stack([np.interp(graded, positions, colours[:, k]) for k in range(3)], axis=-1)
    compare = np.ones(level.shape, dtype=bool)
    if transparent:
        alpha = smoothstep(0.04, 0.25, level)
        compare = np.abs(alpha - 1.0 / 255.0) > 2e-3  # the cut to transparent black is a step: not at its edge
        rgba = np.where((alpha < 1.0 / 255.0)[..., None], 0.0, np.concatenate([colour, alpha[..., None]], -1))
    else:
        colour = np.clip(colour + np.array(background) * (1.0 - graded)[..., None], 0.0, 1.0)
        rgba = np.concatenate([colour, np.ones((*level.shape, 1))], axis=-1)
    return rgba * 255.0, compare


# Every look input, so that a test's values never carry over to the next on the shared host.
NEUTRAL = {"zoom": 1.0, "pan": (0.0, 0.0), "rotation": 0.0, "palette": 0, "brightness": 0.0, "contrast": 1.0,
           "background": (0.0, 0.0, 0.0), "transparent": False}  # fmt: skip


def inputs_for(z, **look) -> dict:
    values = {f"z{i + 1}": float(v) for i, v in enumerate(z)}
    for key, value in look.items():
        if key == "pan":
            values["pan_x"], values["pan_y"] = value
        elif key == "background":
            values["background"] = (*value, 1.0)
        else:
            values[key] = value
    return values


def assert_close(image: np.ndarray, expected: tuple[np.ndarray, np.ndarray], what: str) -> None:
    wanted, compare = expected
    difference = np.abs(image.astype(np.float64) - wanted)[compare]
    assert difference.max() <= TOLERANCE, f"{what}: max {difference.max():.2f}/255, mean {difference.mean():.3f}"


def test_the_header_is_json_with_the_latents_and_the_look(shipped):
    document = parse_isf(shipped[2])
    header = document.header
    assert header["ISFVSN"] == "2" and header["CATEGORIES"] == ["Generator"]
    by_name = {item["NAME"]: item for item in document.inputs}
    assert list(by_name)[:8] == [f"z{i}" for i in range(1, 9)]
    assert all((by_name[f"z{i}"]["MIN"], by_name[f"z{i}"]["MAX"]) == (-3.0, 3.0) for i in range(1, 9))
    assert (by_name["zoom"]["MIN"], by_name["zoom"]["MAX"]) == (0.25, 8.0)
    assert (by_name["rotation"]["MIN"], by_name["rotation"]["MAX"]) == (-180.0, 180.0)
    assert by_name["palette"]["TYPE"] == "long" and by_name["palette"]["VALUES"] == list(range(8))
    assert by_name["palette"]["LABELS"][3] == "ember" and by_name["background"]["TYPE"] == "color"
    # the defaults are the shipped landmarks file's first entry (t-shirt/top: zoom 0.85, grey)
    assert by_name["zoom"]["DEFAULT"] == 0.85 and by_name["palette"]["DEFAULT"] == 0
    first = load_landmarks(DEFAULT_LANDMARKS)[0]  # the defaults are the first landmark's, as shipped
    assert [by_name[f"z{i + 1}"]["DEFAULT"] for i in range(8)] == pytest.approx(list(first.z), abs=1e-4)
    code = "\n".join(line.split("//")[0] for line in document.body.splitlines())
    assert "uniform " not in code  # the host declares every input; a redeclaration would not compile


def test_the_committed_files_hold_the_shipped_weights(shipped):
    weights = shipped[0]
    network = network_source(weights)
    assert network in shipped[2], "models/fashion.fs is stale: run performer export-isf --out models/fashion.fs"
    assert network in SHIPPED_GLSL.read_text(), "models/fashion_shadertoy.glsl is stale: export again"


def test_the_host_renders_the_defaults_of_the_header(shipped, shipped_host):
    weights, generator, _ = shipped
    shipped_host.set(**{item["NAME"]: item["DEFAULT"] for item in shipped_host.document.inputs})
    z = [item["DEFAULT"] for item in shipped_host.document.inputs[:8]]
    assert_close(shipped_host.render(SIZE), reference(generator, z, zoom=0.85), "defaults")


@pytest.mark.parametrize(
    "look",
    [
        {},
        {"zoom": 2.0, "pan": (0.3, -0.2), "rotation": 30.0},
        {"palette": 3, "brightness": 0.1, "contrast": 1.5},
        {"palette": 7, "zoom": 0.6, "rotation": -120.0},
        {"background": (0.2, 0.5, 0.9), "brightness": -0.1},
        {"palette": 1, "transparent": True},
    ],
)
def test_the_host_renders_the_torch_cppn(shipped, shipped_host, look):
    weights, generator, _ = shipped
    for index in (3, 700):
        z = weights.garments[index]
        shipped_host.set(**inputs_for(z, **NEUTRAL | look))
        expected = reference(generator, z, **{"zoom": 1.0} | look)
        assert_close(shipped_host.render(SIZE), expected, f"garment {index} {look}")


def test_the_latent_terms_are_frame_terms_as_affine_maps(shipped):
    weights = shipped[0]
    gains, biases = latent_terms(weights)
    for z in np.random.default_rng(3).standard_normal((3, weights.latent_dim)):
        want_gains, want_biases = weights.frame_terms(z)
        for layer in range(weights.layers):
            assert np.allclose(gains[layer].matrix @ z + gains[layer].offset, want_gains[layer], atol=1e-5)
            assert np.allclose(biases[layer].matrix @ z + biases[layer].offset, want_biases[layer], atol=1e-5)


def test_the_cost_per_pixel(shipped):
    cost = shader_cost(shipped[0])
    # 32 units x 4 layers, 8 latents: network 3*32 + 3*32*32 + 32 + 4*32 (FiLM gains) = 3,328; latent terms:
    # 4 gains + 4 biases (layer 0's latent bias, 3 FiLM biases with the hidden biases folded in), 32 x 8 each.
    assert (cost.network_macs, cost.latent_macs, cost.total_macs, cost.tanh) == (3328, 2048, 5376, 132)


@needs_glslang
def test_the_compiler_counts_the_same_products(shipped):
    from performer.export.spirv_count import spirv_counts

    counts = spirv_counts(wrap_fragment(parse_isf(shipped[2])))
    if counts is None:
        pytest.skip("spirv-opt is not installed")
    # mat4 * vec4: latent terms 8 x 8 blocks x 2 halves of z, hidden layers 3 x 8 x 8, output 8 (one lane used)
    assert counts.matrix_products == 8 * 8 * 2 + 3 * 64 + 8
    assert counts.exp_lanes == 132  # one exp per tanh: 33 vec4


def validate(tmp_path, source: str, stage: str) -> subprocess.CompletedProcess:
    path = tmp_path / f"shader.{stage}"
    path.write_text(source)
    return subprocess.run(["glslangValidator", str(path)], capture_output=True, text=True, timeout=120)


@needs_glslang
@pytest.mark.parametrize("version", GLSL_VERSIONS)
def test_the_isf_file_compiles_as_every_host_gl_wraps_it(shipped, tmp_path, version):
    document = parse_isf(shipped[2])
    for stage, source in (("frag", wrap_fragment(document, version)), ("vert", wrap_vertex(document, version))):
        result = validate(tmp_path, source, stage)
        assert result.returncode == 0, f"GLSL {version} {stage}:\n{result.stdout[-2000:]}"


@needs_glslang
def test_the_reference_compiler_refuses_what_a_gl2_host_lacks(shipped, tmp_path):
    """The check can fail: tanh arrived in GLSL 1.30, so VDMX's GL 2 wrapping refuses it."""
    document = parse_isf(shipped[2].replace("cppn_tanh(0.5 *", "tanh(0.5 *"))
    assert validate(tmp_path, wrap_fragment(document, "330"), "frag").returncode == 0
    result = validate(tmp_path, wrap_fragment(document, "110"), "frag")
    assert result.returncode != 0 and "tanh" in result.stdout


SHADERTOY_HEADER = """#version 300 es
precision highp float;
precision highp int;
uniform vec3 iResolution;
uniform float iTime;
uniform float iTimeDelta;
uniform int iFrame;
uniform vec4 iMouse;
uniform vec4 iDate;
uniform sampler2D iChannel0;
"""
SHADERTOY_FOOTER = """
out vec4 shadertoy_out_color;
void main() {
    vec4 color = vec4(0.0, 0.0, 0.0, 1.0);
    mainImage(color, gl_FragCoord.xy);
    shadertoy_out_color = color;
}
"""
# TouchDesigner's GLSL TOP: the Preprocess Directives DAT's lines first, then its own declarations.
TOUCHDESIGNER_HEADER = """#version {version}
#define PERFORMER_UNIFORMS
struct TDTexInfo {{ vec4 res; vec4 depth; }};
uniform TDTexInfo uTDOutputInfo;
in vec3 vUV;
vec4 TDOutputSwizzle(vec4 c) {{ return c; }}
"""


@needs_glslang
def test_the_plain_glsl_compiles_for_shadertoy_and_touchdesigner(shipped, tmp_path):
    text = SHIPPED_GLSL.read_text()
    result = validate(tmp_path, SHADERTOY_HEADER + text + SHADERTOY_FOOTER, "frag")
    assert result.returncode == 0, f"Shadertoy:\n{result.stdout[-2000:]}"
    for version in ("330", "460"):
        result = validate(tmp_path, TOUCHDESIGNER_HEADER.format(version=version) + text, "frag")
        assert result.returncode == 0, f"TouchDesigner {version}:\n{result.stdout[-2000:]}"


def render_plain(ctx, fragment: str, frames: list[dict], size=SIZE) -> list[np.ndarray]:
    """Draw a fragment shader over a full-screen triangle (vUV for TouchDesigner) once per dict of uniforms,
    compiled once: uint8 RGBA images, row 0 at the top."""
    vertex = """#version 330
out vec3 vUV;
void main() {
    vec2 p = vec2((gl_VertexID << 1) & 2, gl_VertexID & 2);
    vUV = vec3(p, 0.0);
    gl_Position = vec4(p * 2.0 - 1.0, 0.0, 1.0);
}
"""
    program = ctx.program(vertex_shader=vertex, fragment_shader=fragment)
    framebuffer = ctx.simple_framebuffer(size, components=4)
    vao = ctx.vertex_array(program, [])
    images = []
    try:
        for uniforms in frames:
            for name, value in uniforms.items():
                program[name].value = value
            framebuffer.use()
            vao.render(vertices=3)
            pixels = np.frombuffer(framebuffer.read(components=4), dtype=np.uint8)
            images.append(pixels.reshape(size[1], size[0], 4)[::-1])
    finally:
        vao.release(), framebuffer.release(), program.release()
    return images


def test_shadertoy_walks_through_the_landmarks(ctx, shipped):
    weights, generator, _ = shipped
    look = export_look(weights, [_landmark(z) for z in weights.garments[[10, 20, 30]]])
    text = shadertoy_source(weights, look, "test")
    fragment = SHADERTOY_HEADER.replace("300 es", "330") + text + SHADERTOY_FOOTER
    middle = (weights.garments[10] + weights.garments[20]) / 2.0
    # 4 s a garment, held for the first half: at 1 s garment 10, at 3 s halfway (smoothstep(0.5, 1, 0.75)),
    # at 11 s the last one moves halfway back to the first
    walk = ((1.0, weights.garments[10]), (3.0, middle), (11.0, (weights.garments[30] + weights.garments[10]) / 2))
    frames = [{"iResolution": (*SIZE, 1.0), "iTime": seconds} for seconds, _ in walk]
    for (seconds, z), image in zip(walk, render_plain(ctx, fragment, frames), strict=True):
        assert_close(image, reference(generator, z), f"Shadertoy at {seconds} s")


def test_touchdesigner_uniforms_drive_the_garment(ctx, shipped):
    weights, generator, _ = shipped
    fragment = TOUCHDESIGNER_HEADER.format(version="330") + SHIPPED_GLSL.read_text()
    z = weights.garments[42]
    uniforms = {
        "uTDOutputInfo.res": (1.0 / SIZE[0], 1.0 / SIZE[1], *SIZE),
        "uZ1": tuple(z[:4]),
        "uZ2": tuple(z[4:]),
        "uView": (1.5, 0.2, -0.1, 45.0),
        "uLook": (4.0, 0.05, 1.2, 0.0),
        "uBackground": (0.0, 0.0, 0.0, 0.0),
    }
    expected = reference(generator, z, zoom=1.5, pan=(0.2, -0.1), rotation=45.0, palette=4, brightness=0.05,
                         contrast=1.2)  # fmt: skip
    assert_close(render_plain(ctx, fragment, [uniforms])[0], expected, "TouchDesigner")


def _landmark(z):
    from performer.presets.landmarks import Landmark

    return Landmark("walk", tuple(float(v) for v in z))
