"""Spout output (Windows, `performer play --spout NAME`): the output texture shared on the GPU with Spout
receivers (Resolume, TouchDesigner, OBS with the Spout plugin, ...), no readback.

Written against SpoutGL's documented API (the Spout SDK's SpoutSender) and not run on Windows (this
machine is Linux; the frame flow is tested with the library faked, tests/test_syphon_spout.py):

    SpoutGL.SpoutSender()             a sender on the current OpenGL context (moderngl's)
    sender.setSenderName(name)
    sender.sendTexture(texture, target, width, height, invert, host_fbo) -> bool
    sender.setFrameSync(name)         tells receivers that wait for frames that one is ready
    sender.releaseSender()

invert is True: GL keeps rows bottom first, the DirectX texture Spout shares keeps them top first. host_fbo
is the framebuffer moderngl has bound, which Spout binds again after its copy. Spout falls back to a CPU
copy by itself where the GL/DirectX interop is missing. `pip install performer[spout]` (Windows only).
"""

from __future__ import annotations

from performer.outputs.base import Frame
from performer.outputs.texture_share import TextureShareOutput

INSTALL_HINT = "pip install performer[spout] (Windows)"
GL_TEXTURE_2D = 0x0DE1


class SpoutOutput(TextureShareOutput):
    kind = "Spout"

    def import_library(self):
        try:
            import SpoutGL
        except ImportError as exc:  # not on Windows, or not installed
            raise ImportError(f"SpoutGL is not installed or does not load ({exc}); {INSTALL_HINT}") from None
        return SpoutGL

    def start_server(self, library):
        sender = library.SpoutSender()
        sender.setSenderName(self.server_name)
        return sender

    def send(self, frame: Frame) -> bool:
        texture = frame.target.texture
        width, height = texture.size
        host_fbo = self.ctx.fbo.glo if self.ctx is not None and self.ctx.fbo is not None else 0
        ok = bool(self.server.sendTexture(texture.glo, GL_TEXTURE_2D, width, height, True, host_fbo))
        if ok:
            self.server.setFrameSync(self.server_name)
        return ok

    def stop_server(self) -> None:
        self.server.releaseSender()


def spout_output(server_name: str) -> SpoutOutput:
    return SpoutOutput(server_name)
