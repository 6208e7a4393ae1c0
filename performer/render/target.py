"""An offscreen colour target of any size: what the CPPN renders into, before any window, HUD or encoder.

Offline rendering, snapshots and (later) recording read this, so they never see the HUD.
"""

from __future__ import annotations

import moderngl
import numpy as np


class OffscreenTarget:
    def __init__(self, ctx: moderngl.Context) -> None:
        self.ctx = ctx
        self.texture: moderngl.Texture | None = None
        self.framebuffer: moderngl.Framebuffer | None = None

    @property
    def size(self) -> tuple[int, int]:
        return self.texture.size if self.texture else (0, 0)

    def ensure(self, size: tuple[int, int]) -> moderngl.Framebuffer:
        """The framebuffer at `size` (width, height), reallocated only when the size changes."""
        width, height = int(size[0]), int(size[1])
        if width < 1 or height < 1:
            raise ValueError(f"render size must be at least 1x1, got {width}x{height}")
        if self.texture is None or self.texture.size != (width, height):
            old = (self.framebuffer, self.texture)
            self.texture = self.ctx.texture((width, height), 4)
            self.framebuffer = self.ctx.framebuffer(color_attachments=[self.texture])
            # Bind the new one before releasing the old: moderngl rebinds the framebuffer it last used,
            # and binding a deleted one is GL_INVALID_OPERATION.
            self.framebuffer.use()
            for obj in old:
                if obj is not None:
                    obj.release()
        return self.framebuffer

    def read_rgb(self) -> np.ndarray:
        """uint8 [height, width, 3], row 0 at the top (GL keeps row 0 at the bottom)."""
        width, height = self.size
        data = self.framebuffer.read(components=3, alignment=1)
        return np.frombuffer(data, dtype=np.uint8).reshape(height, width, 3)[::-1].copy()

    def release(self) -> None:
        unbind(self.ctx, self.framebuffer)
        for obj in (self.framebuffer, self.texture):
            if obj is not None:
                obj.release()
        self.texture = self.framebuffer = None


def unbind(ctx: moderngl.Context, framebuffer: moderngl.Framebuffer | None) -> None:
    """Bind framebuffer 0 if `framebuffer` is bound, before it is released: moderngl rebinds the last
    framebuffer it used when it makes the next one, and binding a deleted name is GL_INVALID_OPERATION."""
    if framebuffer is not None and ctx.fbo is framebuffer:
        (ctx.screen or ctx.detect_framebuffer(0)).use()
