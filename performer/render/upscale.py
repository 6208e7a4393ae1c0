"""The upscale pass of the render scale (render/scale.py): the CPPN's frame at a fraction of the output's size
drawn onto the output's target with Catmull-Rom bicubic (shaders/upscale.glsl). The CPPN is a smooth function
of the pixel's place, so little is lost (`performer bench-scale` measures how little)."""

from __future__ import annotations

from pathlib import Path

import moderngl

from performer.render.program import SHADER_DIR, ReloadableProgram


class Upscaler:
    def __init__(self, ctx: moderngl.Context, directory: Path = SHADER_DIR) -> None:
        self.ctx = ctx
        self.program = ReloadableProgram(ctx, "upscale", {}, "", directory)
        self._vao: moderngl.VertexArray | None = None
        self._vao_generation = -1

    def draw(self, source: moderngl.Texture, framebuffer: moderngl.Framebuffer, size: tuple[int, int]) -> None:
        """`source` upscaled to fill `framebuffer` (`size` pixels)."""
        if self._vao is None or self._vao_generation != self.program.generation:
            if self._vao is not None:
                self._vao.release()
            self._vao = self.ctx.vertex_array(self.program.program, [])
            self._vao_generation = self.program.generation
        prog = self.program.program
        framebuffer.use()
        self.ctx.viewport = (0, 0, size[0], size[1])
        self.ctx.disable(moderngl.BLEND)
        values = {"u_source": 0, "u_size": tuple(map(float, size)), "u_source_size": tuple(map(float, source.size))}
        for name, value in values.items():
            if name in prog:  # an edited shader may no longer use one
                prog[name].value = value
        source.use(0)
        self._vao.render(moderngl.TRIANGLES, vertices=3)

    def release(self) -> None:
        if self._vao is not None:
            self._vao.release()
        self.program.release()
