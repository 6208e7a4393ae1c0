"""The CPPN and the look as portable GLSL functions, made from the model's numpy arrays (no torch, no GL).

What the exported ISF and Shadertoy files share. Portable means the GLSL every host may compile it as: 1.10
(VDMX's and the ISF Editor's GL 2 contexts), ES 1.00 (WebGL 1 ISF hosts), 3.30, ES 3.00 (Shadertoy) and 4.60
(TouchDesigner). So there are no arrays (no array initialisers before 1.20 / ES 3.00), no tanh (1.30), no
int clamp, no texture: the weights are literals in straight-line code (as performer's own "const" mode,
which lets the compiler fold them into the instructions; see render/cppn_renderer.py). Literals also stay
clear of the uniform limits: the shipped 32x4 grey CPPN has 3,300 network weights (825 vec4) plus 2,304
latent-term numbers, far past GL 3.3's guaranteed 1,024 fragment uniform components and ES 2.0's 16 vec4.

The latent's per-frame terms (render/weights.py frame_terms: FiLM gains, biases, the hidden layers' biases
folded in) are affine in z, so each is one [H, L] matrix and an offset here, computed in the shader for
every pixel: ISF has no per-frame stage, and a compiler that keeps uniform-only arithmetic on a scalar unit
is not to be counted on. With FiLM that is 2 * layers terms of H * L multiply-adds (8 x 256 = 2,048 for the
shipped model) on top of the network's 3,328: see ShaderCost. A model with a mapping (ModelConfig.latent_mapping)
first computes m = tanh(A z + a) at every pixel too, M/4 vec4s (M * L multiply-adds and M tanh more), and its
terms are affine in m instead (H * M each).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from performer.palettes import PALETTES
from performer.render.weights import CppnWeights

# The garment's mask from its ungraded level, as shaders/cppn.glsl's MASK_LOW / MASK_HIGH: the alpha of a
# transparent background.
MASK_LOW, MASK_HIGH = 0.04, 0.25
LUMINANCE = (0.2126, 0.7152, 0.0722)  # an RGB model's level, as shaders/cppn.glsl
JOIN = "\n        + "  # one product a line: a mat4 of literals is ~200 characters


def glsl_number(value: float) -> str:
    """The shortest text that reads back as exactly this float32, valid in every GLSL (a '.' or an 'e')."""
    single = np.float32(value)
    scientific = np.format_float_scientific(single, unique=True, trim="0").replace("e+", "e")
    positional = np.format_float_positional(single, unique=True, trim="0")
    return min(scientific, positional, key=len)


def vec4(values) -> str:
    return "vec4(" + ", ".join(glsl_number(v) for v in values) + ")"


def mat4(block: np.ndarray) -> str:
    """A [4, 4] block B (4 outputs from 4 inputs) as the mat4 M with M * v == B @ v (GLSL is column-major)."""
    return "mat4(" + ", ".join(glsl_number(v) for v in np.asarray(block).T.reshape(-1)) + ")"


def latent_blocks(dim: int) -> int:
    """vec4s that carry z (the last one padded with zeros)."""
    return math.ceil(dim / 4)


def latent_parameters(dim: int) -> str:
    return ", ".join(f"vec4 z{k}" for k in range(latent_blocks(dim)))


def latent_arguments(dim: int) -> str:
    return ", ".join(f"z{k}" for k in range(latent_blocks(dim)))


@dataclass(frozen=True)
class LatentTerm:
    """One per-frame vector, affine in z: matrix @ z + offset, [H] (a layer's gain or bias)."""

    name: str
    matrix: np.ndarray  # [H, L]
    offset: np.ndarray  # [H]


def latent_terms(weights: CppnWeights) -> tuple[dict[int, LatentTerm], dict[int, LatentTerm | np.ndarray]]:
    """(gains by layer, biases by layer): what weights.frame_terms(z) computes, as affine maps of the code
    weights.latent_code(z) reads (z itself, or the mapping's m: matrices [H, weights.code_dim]).

    A hidden layer's own bias is folded in as frame_terms does: gain * b + film_bias, where gain = 1 + Wg z + bg,
    is (diag(b) Wg + Wb) z + (b (1 + bg) + bb). Without FiLM there are no gains and the hidden layers' biases
    are constants (an array instead of a LatentTerm)."""
    gains: dict[int, LatentTerm] = {}
    biases: dict[int, LatentTerm | np.ndarray] = {0: LatentTerm("bias0", weights.latent_w, weights.latent_b)}
    for layer, (w, b) in enumerate(weights.film_gain):
        gains[layer] = LatentTerm(f"gain{layer}", w, 1.0 + b)
    for layer, (_, hidden_bias) in enumerate(weights.hidden, start=1):
        if not weights.film_gain:
            biases[layer] = hidden_bias
            continue
        gain_w, gain_b = weights.film_gain[layer]
        film_w, film_b = weights.film_bias[layer - 1]
        biases[layer] = LatentTerm(
            f"bias{layer}", hidden_bias[:, None] * gain_w + film_w, hidden_bias * (1.0 + gain_b) + film_b
        )
    return gains, biases


@dataclass(frozen=True)
class ShaderCost:
    """Per-pixel arithmetic of the exported shader, counted from what the generator writes."""

    network_macs: int  # the CPPN itself: as CppnWeights.macs_per_pixel (performer's shader does the same)
    # the per-frame terms, computed per pixel here (performer computes them once, on the CPU): terms * H * code
    # width, plus the mapping's M * L
    latent_macs: int
    tanh: int  # scalar tanh evaluations (an exp, a sign and 4 more operations each), the sigmoid and mapping included
    sin: int = 0  # scalar sines: layer 0's sine units (ModelConfig.cppn_sine_units), not counted in tanh

    @property
    def total_macs(self) -> int:
        return self.network_macs + self.latent_macs


def shader_cost(weights: CppnWeights) -> ShaderCost:
    gains, biases = latent_terms(weights)
    terms = len(gains) + sum(isinstance(term, LatentTerm) for term in biases.values())
    h, sines = weights.hidden_units, weights.sine_units
    mapped = weights.code_dim if weights.mapping is not None else 0  # M
    latent_macs = terms * h * weights.code_dim + mapped * weights.latent_dim
    return ShaderCost(weights.macs_per_pixel, latent_macs, weights.layers * h + 4 - sines + mapped, sines)


def activation_text(cost: ShaderCost) -> str:
    """The nonlinearities of a ShaderCost in words ("132 tanh", "116 tanh and 16 sin"), for comments and reports."""
    return f"{cost.tanh} tanh" + (f" and {cost.sin} sin" if cost.sin else "")


def _affine_blocks(matrix: np.ndarray, offset: np.ndarray, source: str) -> list[str]:
    """matrix @ v + offset as vec4 expressions, one per 4 rows; v is the vec4s source0, source1... (zero padded)."""
    width = matrix.shape[1]
    padded = np.zeros((matrix.shape[0], 4 * latent_blocks(width)))
    padded[:, :width] = matrix
    expressions = []
    for i in range(matrix.shape[0] // 4):
        rows = slice(4 * i, 4 * i + 4)
        products = [f"{mat4(padded[rows, 4 * k : 4 * k + 4])} * {source}{k}" for k in range(latent_blocks(width))]
        expressions.append(JOIN.join(products) + f"{JOIN}{vec4(offset[rows])}")
    return expressions


def _term_lines(term: LatentTerm, source: str) -> list[str]:
    return [
        f"    vec4 {term.name}_{i} = {text};" for i, text in enumerate(_affine_blocks(term.matrix, term.offset, source))
    ]


def _mapping_lines(weights: CppnWeights) -> list[str]:
    """The mapping code m0, m1...: tanh(A z + a) in vec4s (M is a multiple of 4), what the terms then read."""
    if weights.mapping is None:
        return []
    lines = [f"    // the mapping: m = tanh(A z + a), {weights.code_dim} values that the per-frame terms read"]
    for k, text in enumerate(_affine_blocks(*weights.mapping, "z")):
        lines.append(f"    vec4 m{k} = cppn_tanh({text});")
    return lines


def network_source(weights: CppnWeights) -> str:
    """cppn_tanh() and cppn_network(xy, r, z0, z1...): the CPPN's output pre-activations (before the sigmoid)."""
    if weights.modulated:  # ISF and Shadertoy have no per-frame CPU step: every pixel would rebuild the matrices
        raise ValueError("the ISF and Shadertoy exports do not carry modulated weights (weight_modulation)")
    n, dim = weights.blocks, weights.latent_dim
    source = "z" if weights.mapping is None else "m"  # what the terms read: z, or the mapping's m
    gains, biases = latent_terms(weights)
    cost = shader_cost(weights)

    def activation(layer: int, i: int, product: str) -> str:
        gain = f"gain{layer}_{i} * " if layer in gains else ""
        bias = biases[layer]
        offset = f"bias{layer}_{i}" if isinstance(bias, LatentTerm) else vec4(bias[4 * i : 4 * i + 4])
        function = "sin" if layer == 0 and i < weights.sine_blocks else "cppn_tanh"  # sine units: layer 0's first
        return f"{function}({gain}({product}) + {offset})"

    def terms(layer: int) -> list[str]:
        chosen = [t for t in (gains.get(layer), biases[layer]) if isinstance(t, LatentTerm)]
        return [line for term in chosen for line in _term_lines(term, source)]

    lines = [
        "// tanh from exp: GLSL 1.10 and ES 1.00 have none, and some drivers' tanh overflows to NaN for large |x|.",
        "vec4 cppn_tanh(vec4 x) {",
        "    vec4 t = exp(-2.0 * abs(x));",
        "    return sign(x) * (1.0 - t) / (1.0 + t);",
        "}",
        "",
        f"// The CPPN ({weights.hidden_units} units x {weights.layers} layers) at one point: output pre-activations."
        + (f" Layer 0's first {weights.sine_units} units are sines." if weights.sine_units else ""),
        f"// Per pixel: {cost.network_macs:,} multiply-adds for the network, {cost.latent_macs:,} for the latent's",
        "// per-frame terms"
        + (" and its mapping" if weights.mapping is not None else "")
        + f" (the same at every pixel, but ISF has no per-frame stage), {activation_text(cost)}.",
        f"vec4 cppn_network(vec2 xy, float r, {latent_parameters(dim)}) {{",
    ]
    lines += _mapping_lines(weights)
    lines += terms(0)
    for i in range(n):
        k = 4 * i
        product = (
            f"{vec4(weights.coord[k : k + 4, 0])} * xy.x{JOIN}{vec4(weights.coord[k : k + 4, 1])} * xy.y"
            f"{JOIN}{vec4(weights.coord[k : k + 4, 2])} * r"
        )
        lines.append(f"    vec4 h0_{i} = {activation(0, i, product)};")
    for layer, (w, _) in enumerate(weights.hidden, start=1):
        lines += terms(layer)
        for i in range(n):
            rows = slice(4 * i, 4 * i + 4)
            product = JOIN.join(f"{mat4(w[rows, 4 * j : 4 * j + 4])} * h{layer - 1}_{j}" for j in range(n))
            lines.append(f"    vec4 h{layer}_{i} = {activation(layer, i, product)};")
    out_w = np.zeros((4, weights.hidden_units))
    out_w[: weights.channels] = weights.out_w
    out_b = np.zeros(4)
    out_b[: weights.channels] = weights.out_b
    last = weights.layers - 1
    products = JOIN.join(f"{mat4(out_w[:, 4 * j : 4 * j + 4])} * h{last}_{j}" for j in range(n))
    lines += [f"    return {vec4(out_b)}{JOIN}{products};", "}"]
    return "\n".join(lines)


def palette_source() -> str:
    """cppn_palette(v, index): palettes.py's stops interpolated exactly. performer samples them into a
    256-entry table and interpolates that, which rounds each stop's corner off within one table cell: the
    two differ there by up to 1.2/255 (thermal), nowhere else. Index 0 (grey) is not here: cppn_garment
    keeps the model's own output for it."""
    names = list(PALETTES)
    lines = ["vec3 cppn_palette(float v, int index) {"]
    for index, name in enumerate(names[1:], start=1):
        stops = PALETTES[name]
        if index == len(names) - 1 and index > 1:
            lines.append(f"    }} else {{  // {name}: and any index past the end, as performer clamps it")
        else:
            lines.append(f"    {'if' if index == 1 else '} else if'} (index == {index}) {{  // {name}")
        lines.append(f"        vec3 c = vec3({', '.join(glsl_number(v) for v in stops[0][1])});")
        for (p0, _), (p1, colour) in zip(stops[:-1], stops[1:], strict=True):
            rgb = ", ".join(glsl_number(v) for v in colour)
            weight = f"clamp((v - {glsl_number(p0)}) * {glsl_number(1.0 / (p1 - p0))}, 0.0, 1.0)"
            lines.append(f"        c = mix(c, vec3({rgb}), {weight});")
        lines.append("        return c;")
    lines += ["    }", "}"]
    return "\n".join(lines)


def garment_source(weights: CppnWeights) -> str:
    """cppn_garment(pixel, size, z..., look): the RGBA of one pixel, as shaders/cppn.glsl draws it (pixel in
    pixels from the bottom-left, pixel centres at .5; the shorter side spans [-1, 1]; rotate, /zoom, +pan)."""
    dim, top = weights.latent_dim, len(PALETTES) - 1
    if weights.channels == 1:
        level = "    float level = out4.x;\n    vec3 raw = out4.xxx;"
    else:
        level = f"    float level = dot(out4.rgb, vec3({', '.join(map(str, LUMINANCE))}));\n    vec3 raw = out4.rgb;"
    return f"""{network_source(weights)}

{palette_source()}

// One pixel: pixel and size in pixels, rotation in degrees, palette an index into performer's PALETTE_NAMES.
// (The look's parameters are named look_* so that they never hide the ISF inputs' uniforms.)
vec4 cppn_garment(vec2 pixel, vec2 size, {latent_parameters(dim)}, float look_zoom, vec2 look_pan,
                  float look_degrees, int look_palette, float look_brightness, float look_contrast,
                  vec3 look_background, bool look_transparent) {{
    float short_side = min(size.x, size.y);
    vec2 uv = vec2(pixel.x, size.y - pixel.y) * (2.0 / short_side) - size / short_side;
    float c = cos(radians(look_degrees));
    float s = sin(radians(look_degrees));
    vec2 view = vec2(c * uv.x - s * uv.y, s * uv.x + c * uv.y);
    vec2 xy = (view / look_zoom + look_pan) * {glsl_number(weights.coord_scale)};
    vec4 out4 = 0.5 + 0.5 * cppn_tanh(0.5 * cppn_network(xy, length(xy), {latent_arguments(dim)}));  // sigmoid
{level}
    float graded = clamp((level - 0.5) * look_contrast + 0.5 + look_brightness, 0.0, 1.0);
    int index = look_palette < 0 ? 0 : (look_palette > {top} ? {top} : look_palette);
    vec3 colour = index == 0 ? clamp((raw - 0.5) * look_contrast + 0.5 + look_brightness, 0.0, 1.0)
                             : cppn_palette(graded, index);
    if (look_transparent) {{  // straight alpha: the garment's mask; the host's layers below are the background
        float alpha = smoothstep({MASK_LOW}, {MASK_HIGH}, level);
        return alpha < 1.0 / 255.0 ? vec4(0.0) : vec4(colour, alpha);
    }}
    return vec4(clamp(colour + look_background * (1.0 - graded), 0.0, 1.0), 1.0);
}}"""
