"""The CPPN drawn by a fragment shader: weights go to the GPU once, the state goes in as uniforms per frame.

Where the weights live, measured with `performer bench-render --weights all` (32x4 grey FiLM CPPN, Mesa
llvmpipe on 2 shared cores, median ms/frame at 256x256 / 1280x720): generated constants in straight-line
code 21 / 303, uniform buffer 104 / 1504, RGBA32F texture 124 / 1724. The same constant array read in
loops (not unrolled) measured 112 at 256x256: the win is the straight-line code, which lets the compiler
fold every weight into the instructions; arrays read in loops stay loads. The generated source grows with
H*H*depth (and compile time with it), so "auto" generates code up to CONST_LIMIT vec4s, then uses a
uniform buffer while it fits the driver's block size, then a texture (any size). shaders/cppn.glsl keeps
the loop version for the buffer and texture modes; all three read the same packed table.
"""

from __future__ import annotations

import logging
import math
import time
from pathlib import Path

import moderngl
import numpy as np

from performer.palettes import palette_table
from performer.prints.slots import print_uniforms, slots
from performer.render.context import gil_free_finish
from performer.render.program import SHADER_DIR, ReloadableProgram
from performer.render.scale import scaled_size
from performer.render.target import OffscreenTarget
from performer.render.upscale import Upscaler
from performer.render.weights import CppnWeights
from performer.state import BACKGROUND_MODES, PerformanceState

log = logging.getLogger(__name__)

WEIGHT_MODES = ("const", "ubo", "texture")  # const = generated straight-line code
# vec4s. A 32x4 grey CPPN needs 825 (llvmpipe compiles it in ~3 s); 64x4 needs 3,185 and took 25 s,
# too long to start a show or hot-reload a shader, so it goes to the uniform buffer.
CONST_LIMIT = 1400
TEXTURE_WIDTH = 1024  # GL 3.3 guarantees at least 1024 texels a row
PRINT_TEXTURE_UNIT = 2  # 0 palettes, 1 weights (texture mode)


def choose_weight_mode(ctx: moderngl.Context, count: int, per_frame: bool = False) -> str:
    """Where the table lives. `per_frame` (modulated weights: the table changes with z) rules out constants
    compiled into the shader."""
    if count <= CONST_LIMIT and not per_frame:
        return "const"
    if count * 16 <= int(ctx.info.get("GL_MAX_UNIFORM_BLOCK_SIZE", 16384)):
        return "ubo"
    return "texture"


def texture_rows(table: np.ndarray, rows: int) -> bytes:
    """The packed table as `rows` full rows of TEXTURE_WIDTH RGBA32F texels, zero-padded at the end."""
    padded = np.zeros((rows * TEXTURE_WIDTH, 4), dtype=np.float32)
    padded[: len(table)] = table
    return padded.tobytes()


def glsl_float(value: np.float32) -> str:
    """The fewest digits that read back as exactly this float32."""
    return np.format_float_scientific(np.float32(value), unique=True, trim="0").replace("e+", "e")


def generated_network(table: np.ndarray, blocks: int, hidden_layers: int, sine_blocks: int = 0) -> str:
    """GLSL for `const vec4 W[]` and cppn_generated(): shaders/cppn.glsl's network() with the loops
    unrolled, so every index is a literal and the compiler can fold the weights (5x faster on llvmpipe).
    Layer 0's first `sine_blocks` vec4s take sin instead of tanh (as the shader's SINE_BLOCKS)."""
    n = blocks

    def mat(k: int) -> str:
        return f"mat4(W[{k}], W[{k + 1}], W[{k + 2}], W[{k + 3}])"

    rows = ",\n".join("vec4(" + ", ".join(glsl_float(v) for v in row) + ")" for row in table)
    lines = [
        "vec4 safe_tanh(vec4 x);",
        f"const vec4 W[{len(table)}] = vec4[{len(table)}](\n{rows});",
        f"vec4 cppn_generated(vec2 xy, float r, vec4 gain[{n * (hidden_layers + 1)}], "
        f"vec4 bias[{n * (hidden_layers + 1)}]) {{",
        "    vec4 " + ", ".join(f"h{i}, g{i}" for i in range(n)) + ";",
    ]
    for i in range(n):
        k = 3 * i
        activation = "sin" if i < sine_blocks else "safe_tanh"
        lines.append(
            f"    h{i} = {activation}(gain[{i}] * (W[{k}] * xy.x + W[{k + 1}] * xy.y + W[{k + 2}] * r) + bias[{i}]);"
        )
    for layer in range(hidden_layers):
        base = 3 * n + layer * 4 * n * n
        for i in range(n):
            terms = " + ".join(f"{mat(base + 4 * (i * n + j))} * h{j}" for j in range(n))
            u = (layer + 1) * n + i
            lines.append(f"    g{i} = safe_tanh(gain[{u}] * ({terms}) + bias[{u}]);")
        lines.append("    " + " ".join(f"h{i} = g{i};" for i in range(n)))
    out = 3 * n + hidden_layers * 4 * n * n
    terms = " + ".join(f"{mat(out + 4 * j)} * h{j}" for j in range(n))
    lines += [f"    return W[{out + 4 * n}] + {terms};", "}"]
    return "\n".join(lines)


class CppnRenderer:
    def __init__(
        self,
        ctx: moderngl.Context,
        weights: CppnWeights,
        weight_mode: str = "auto",
        directory: Path = SHADER_DIR,
        prints=None,
    ) -> None:
        """`prints`: a print source (performer.prints.live.PrintLayer: the learned prints' texture and which
        slots are ready); without one the procedural prints still work and learned slots show no print."""
        self.ctx, self.weights = ctx, weights
        table = weights.pack(np.zeros(weights.latent_dim) if weights.modulated else None)
        mode = choose_weight_mode(ctx, len(table), weights.modulated) if weight_mode == "auto" else weight_mode
        if mode not in WEIGHT_MODES:
            raise ValueError(f"weight mode must be auto or one of {WEIGHT_MODES}, got {weight_mode!r}")
        if mode == "const" and weights.modulated:
            raise ValueError("this model's weights change with z every frame: they cannot be shader constants")
        self._table_z: bytes | None = None  # the z the weight table holds (modulated models)
        self.weight_mode = mode
        defines: dict[str, object] = {
            "N": weights.blocks,
            "HIDDEN": len(weights.hidden),
            "LAYERS": weights.layers,
            "CHANNELS": weights.channels,
            "SINE_BLOCKS": weights.sine_blocks,
            "WEIGHT_COUNT": len(table),
            f"WEIGHTS_{mode.upper()}": 1,
        }
        prelude = ""
        self.weight_buffer: moderngl.Buffer | None = None
        self.weight_texture: moderngl.Texture | None = None
        if mode == "const":
            defines["CPPN_GENERATED"] = 1
            body = generated_network(table, weights.blocks, len(weights.hidden), weights.sine_blocks)
            prelude = "#if defined FRAGMENT_SHADER\n" + body + "\n#endif"
        elif mode == "ubo":
            self.weight_buffer = ctx.buffer(table.tobytes())
        else:
            defines["WEIGHT_TEXTURE_WIDTH"] = TEXTURE_WIDTH
            rows = math.ceil(len(table) / TEXTURE_WIDTH)
            self.weight_texture = ctx.texture((TEXTURE_WIDTH, rows), 4, texture_rows(table, rows), dtype="f4")
            self.weight_texture.filter = (moderngl.NEAREST, moderngl.NEAREST)
        self.program = ReloadableProgram(ctx, "cppn", defines, prelude, directory)
        palettes = palette_table(256)
        self.palette_count = palettes.shape[0]
        self.palettes = ctx.texture((palettes.shape[1], palettes.shape[0]), 3, palettes.tobytes(), dtype="f4")
        self.palettes.filter = (moderngl.NEAREST, moderngl.NEAREST)
        self.target = OffscreenTarget(ctx)
        # Render scale (render/scale.py): below 1 the CPPN draws into `small` and is upscaled into `target`;
        # with a scale_control (AutoScale) each render's time picks the next scale. Offline renders keep 1.
        self.render_scale, self.scale_control = 1.0, None
        self.small, self.upscaler = OffscreenTarget(ctx), Upscaler(ctx, directory)
        self._finish = None
        self.prints = prints
        self._no_print_texture = ctx.texture((1, 1), 3, bytes(3))
        self._procedural_slots = slots()
        self._vao: moderngl.VertexArray | None = None
        self._vao_generation = -1
        log.info(
            "CPPN %dx%d (%d sine units), %d channel(s): %d multiply-adds per pixel, weights as %s (%d vec4)",
            weights.hidden_units,
            len(weights.hidden) + 1,
            weights.sine_units,
            weights.channels,
            weights.macs_per_pixel,
            mode,
            len(table),
        )

    @property
    def programs(self) -> list[ReloadableProgram]:
        return [self.program, self.upscaler.program]

    def prepare(self, state: PerformanceState) -> None:
        """Before a frame: the print source asks for what this state shows and uploads what has arrived."""
        if self.prints is not None:
            self.prints.update(state, 0.0, 0.0)

    @property
    def content_key(self) -> tuple:
        """Changes whenever the same state would draw differently: a recompiled program, a new print, the scale."""
        generations = self.program.generation, self.upscaler.program.generation
        return generations, getattr(self.prints, "sequence", 0), self.render_scale

    def _vertex_array(self) -> moderngl.VertexArray:
        if self._vao is None or self._vao_generation != self.program.generation:
            if self._vao is not None:
                self._vao.release()
            self._vao = self.ctx.vertex_array(self.program.program, [])
            self._vao_generation = self.program.generation
        return self._vao

    def _set_uniforms(self, state: PerformanceState, size: tuple[int, int], origin: tuple[int, int]) -> None:
        prog = self.program.program
        p = state.params
        angle = math.radians(p["rotation"])
        values = {
            "u_size": (float(size[0]), float(size[1])),
            "u_origin": (float(origin[0]), float(origin[1])),
            "u_rotation": (math.cos(angle), math.sin(angle)),
            "u_zoom": p["zoom"],
            "u_pan": (p["pan_x"], p["pan_y"]),
            "u_coord_scale": self.weights.coord_scale,
            "u_palette": int(min(max(p["palette"], 0), self.palette_count - 1)),
            "u_brightness": p["brightness"],
            "u_contrast": p["contrast"],
            "u_master": p["master"],
            "u_background": (p["bg_r"], p["bg_g"], p["bg_b"]),
            "u_transparent": int(p["background"] == BACKGROUND_MODES.index("transparent")),
            "u_print_texture": PRINT_TEXTURE_UNIT,
        }
        if self.prints is not None:
            values.update(self.prints.uniforms(p))
        else:
            values.update(print_uniforms(p, self._procedural_slots, learned_ready=False))
        for name, value in values.items():
            if name in prog:  # the compiler drops uniforms an edited shader no longer uses
                prog[name].value = value
        gains, biases = self.weights.frame_terms(state.z)
        if self.weights.modulated:
            self._upload_table(state.z)
        if "u_gain" in prog:
            prog["u_gain"].write(gains.tobytes())
        if "u_bias" in prog:
            prog["u_bias"].write(biases.tobytes())
        if "u_palettes" in prog:
            prog["u_palettes"].value = 0
        if "u_weights" in prog:
            prog["u_weights"].value = 1
        if "Weights" in prog:
            prog["Weights"].binding = 0

    def _upload_table(self, z: np.ndarray) -> None:
        """A modulated model's weight table for this z, written only when z changed (the previews' tiles each
        have their own)."""
        key = np.asarray(z, dtype=np.float64).tobytes()
        if key == self._table_z:
            return
        table = self.weights.pack(z)
        if self.weight_buffer is not None:
            self.weight_buffer.write(table.tobytes())
        else:
            self.weight_texture.write(texture_rows(table, self.weight_texture.height))
        self._table_z = key

    def draw(
        self,
        state: PerformanceState,
        framebuffer: moderngl.Framebuffer,
        size: tuple[int, int],
        origin: tuple[int, int] = (0, 0),
    ) -> None:
        """Draw the state into `framebuffer` (already `size` pixels): the same path for window and file.
        `origin`: draw into the `size` area with this lower-left corner instead (a tile of an atlas)."""
        framebuffer.use()
        self.ctx.viewport = (origin[0], origin[1], size[0], size[1])
        self.ctx.disable(moderngl.BLEND)
        self._set_uniforms(state, size, origin)
        self.palettes.use(0)
        if self.weight_texture is not None:
            self.weight_texture.use(1)
        if self.weight_buffer is not None:
            self.weight_buffer.bind_to_uniform_block(0)
        (self.prints.texture if self.prints is not None else self._no_print_texture).use(PRINT_TEXTURE_UNIT)
        self._vertex_array().render(moderngl.TRIANGLES, vertices=3)

    def render(self, state: PerformanceState, size: tuple[int, int]) -> OffscreenTarget:
        """Draw into the renderer's own offscreen target at `size` and return it (the CPPN drawn at
        render_scale of `size` and upscaled, when that is below 1)."""
        framebuffer = self.target.ensure(size)
        started = time.perf_counter()
        small = scaled_size(self.target.size, self.render_scale)
        if small == self.target.size:
            self.draw(state, framebuffer, self.target.size)
        else:
            self.draw(state, self.small.ensure(small), small)
            self.upscaler.draw(self.small.texture, framebuffer, self.target.size)
        if self.scale_control is not None:
            self._wait_for_gpu()
            self.render_scale = self.scale_control.observe(time.perf_counter(), time.perf_counter() - started)
        return self.target

    def _wait_for_gpu(self) -> None:
        if self._finish is None:
            self._finish = gil_free_finish(self.ctx)  # the app's own wait then finds nothing left to do
        self._finish()

    def release(self) -> None:
        for obj in (self._vao, self.weight_buffer, self.weight_texture, self.palettes, self._no_print_texture):
            if obj is not None:
                obj.release()
        self.program.release()
        self.upscaler.release()
        self.small.release()
        self.target.release()
