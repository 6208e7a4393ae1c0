"""Dear ImGui's draw data drawn with moderngl (after moderngl-window's imgui integration): one program, one
streamed vertex and index buffer, a scissor per command. ImGui 1.92's textures (the font atlas, grown as new
glyph sizes are needed) are made and updated here; `register(texture)` lets a panel show a GL texture of the
output's context (shared objects) as an ImGui image."""

from __future__ import annotations

import ctypes

import moderngl
import numpy as np
from imgui_bundle import imgui

VERTEX = """
#version 330
uniform vec2 scale;
in vec2 pos;
in vec2 uv;
in vec4 col;
out vec2 v_uv;
out vec4 v_col;
void main() {
    v_uv = uv;
    v_col = col;
    gl_Position = vec4(pos * scale * vec2(2.0, -2.0) + vec2(-1.0, 1.0), 0.0, 1.0);
}
"""
FRAGMENT = """
#version 330
uniform sampler2D image;
uniform bool opaque;
in vec2 v_uv;
in vec4 v_col;
out vec4 color;
void main() {
    vec4 texel = texture(image, v_uv);
    color = v_col * (opaque ? vec4(texel.rgb, 1.0) : texel);
}
"""


class ImguiRenderer:
    def __init__(self, ctx: moderngl.Context) -> None:
        self.ctx = ctx
        self.program = ctx.program(vertex_shader=VERTEX, fragment_shader=FRAGMENT)
        self.vertices = ctx.buffer(reserve=imgui.VERTEX_SIZE * 4096, dynamic=True)
        self.indices = ctx.buffer(reserve=imgui.INDEX_SIZE * 4096, dynamic=True)
        self.vao = ctx.vertex_array(
            self.program,
            [(self.vertices, "2f 2f 4f1", "pos", "uv", "col")],
            index_buffer=self.indices,
            index_element_size=imgui.INDEX_SIZE,
        )
        self.textures: dict[int, moderngl.Texture] = {}  # ImGui's texture ids (GL names) -> textures
        self.opaque: set[int] = set()  # images drawn without their alpha (the output's frame)
        self.own: set[int] = set()  # the textures made here (ImGui's), released here
        io = imgui.get_io()
        io.backend_flags |= imgui.BackendFlags_.renderer_has_textures
        size = int(ctx.info["GL_MAX_TEXTURE_SIZE"])
        imgui.get_platform_io().renderer_texture_max_width = size
        imgui.get_platform_io().renderer_texture_max_height = size

    def register(self, texture: moderngl.Texture, opaque: bool = True) -> imgui.ImTextureRef:
        """A texture to draw as an ImGui image (its GL name is the id)."""
        self.textures[texture.glo] = texture
        if opaque:
            self.opaque.add(texture.glo)
        return imgui.ImTextureRef(texture.glo)

    def _update_textures(self) -> None:
        for tex in imgui.get_platform_io().textures:
            if tex.status == imgui.ImTextureStatus.want_create or tex.status == imgui.ImTextureStatus.want_updates:
                texture = self.textures.get(tex.tex_id) if tex.tex_id else None
                if texture is None or texture.size != (tex.width, tex.height):
                    if texture is not None:
                        self._drop(texture.glo)
                    texture = self.ctx.texture((tex.width, tex.height), 4)
                    texture.filter = (moderngl.LINEAR, moderngl.LINEAR)
                    self.textures[texture.glo] = texture
                    self.own.add(texture.glo)
                    tex.set_tex_id(texture.glo)
                # small enough (the font atlas) to upload whole on the rare frames it changes
                texture.write(np.ascontiguousarray(tex.get_pixels_array()).tobytes())
                tex.status = imgui.ImTextureStatus.ok
            elif tex.status == imgui.ImTextureStatus.want_destroy:
                self._drop(tex.tex_id)
                tex.set_tex_id(0)
                tex.status = imgui.ImTextureStatus.destroyed

    def render(self, draw_data: imgui.ImDrawData, framebuffer: moderngl.Framebuffer) -> None:
        self._update_textures()
        width, height = draw_data.display_size
        scale_x, scale_y = draw_data.framebuffer_scale
        fb_width, fb_height = int(width * scale_x), int(height * scale_y)
        if fb_width <= 0 or fb_height <= 0:
            return
        framebuffer.use()
        ctx = self.ctx
        ctx.viewport = (0, 0, fb_width, fb_height)
        ctx.enable_only(moderngl.BLEND)
        ctx.blend_func = moderngl.SRC_ALPHA, moderngl.ONE_MINUS_SRC_ALPHA
        self.program["scale"].value = (1.0 / width, 1.0 / height)
        origin_x, origin_y = draw_data.display_pos
        for commands in draw_data.cmd_lists:
            vertex_bytes = commands.vtx_buffer.size() * imgui.VERTEX_SIZE
            index_bytes = commands.idx_buffer.size() * imgui.INDEX_SIZE
            self._fit(vertex_bytes, index_bytes)
            self.vertices.write(ctypes.string_at(commands.vtx_buffer.data_address(), vertex_bytes))
            self.indices.write(ctypes.string_at(commands.idx_buffer.data_address(), index_bytes))
            for command in commands.cmd_buffer:
                texture_id = command.tex_ref.get_tex_id()
                texture = self.textures.get(texture_id)
                if texture is None:
                    continue  # an image whose texture is gone: skipped, never drawn with a stale name
                texture.use(0)
                self.program["opaque"].value = texture_id in self.opaque
                x0, y0, x1, y1 = command.clip_rect
                x0, x1 = (x0 - origin_x) * scale_x, (x1 - origin_x) * scale_x
                y0, y1 = (y0 - origin_y) * scale_y, (y1 - origin_y) * scale_y
                if x1 <= x0 or y1 <= y0:
                    continue
                ctx.scissor = (int(x0), int(fb_height - y1), int(x1 - x0), int(y1 - y0))
                # vtx_offset stays 0: the renderer does not claim RendererHasVtxOffset (16-bit-safe lists)
                self.vao.render(moderngl.TRIANGLES, vertices=command.elem_count, first=command.idx_offset)
        ctx.scissor = None
        ctx.disable(moderngl.BLEND)

    def _fit(self, vertex_bytes: int, index_bytes: int) -> None:
        if vertex_bytes > self.vertices.size:
            self.vertices.orphan(max(vertex_bytes, 2 * self.vertices.size))
        if index_bytes > self.indices.size:
            self.indices.orphan(max(index_bytes, 2 * self.indices.size))

    def _drop(self, texture_id: int) -> None:
        texture = self.textures.pop(texture_id, None)
        if texture is not None and texture_id in self.own:
            self.own.discard(texture_id)
            texture.release()

    def release(self) -> None:
        for texture_id in list(self.textures):
            self._drop(texture_id)
        self.vao.release()
        self.vertices.release()
        self.indices.release()
        self.program.release()
