"""Syphon output (macOS, `performer play --syphon NAME`): the output texture shared on the GPU with Syphon
clients (Resolume, MadMapper, VDMX, OBS with the Syphon plugin, ...), no readback.

Written against syphon-python's documented API and not run on a Mac (this machine is Linux; the frame flow
is tested with the library faked, tests/test_syphon_spout.py):

    syphon.SyphonOpenGLServer(name)   a server on the current OpenGL context (moderngl's, GLFW's NSOpenGL
                                      context: the window, not --headless)
    server.has_clients                whether a client is connected
    server.publish_frame_texture(texture, region, size, is_flipped)
    server.stop()

The texture's rows are bottom first, as GL keeps them, which is Syphon's unflipped orientation. With the
core profile play asks for, Syphon draws on a context of its own shared with ours and restores the framebuffer
bindings, so moderngl's state is left as it was. `pip install performer[syphon]` (macOS only).
"""

from __future__ import annotations

from performer.outputs.base import Frame
from performer.outputs.texture_share import TextureShareOutput

INSTALL_HINT = "pip install performer[syphon] (macOS)"


class SyphonOutput(TextureShareOutput):
    kind = "Syphon"

    def import_library(self):
        try:
            import syphon
        except ImportError as exc:  # not on macOS, or not installed
            raise ImportError(f"syphon-python is not installed or does not load ({exc}); {INSTALL_HINT}") from None
        return syphon

    def start_server(self, library):
        return library.SyphonOpenGLServer(self.server_name)

    def has_clients(self) -> bool:
        return bool(self.server.has_clients)

    def send(self, frame: Frame) -> bool:
        texture = frame.target.texture
        width, height = texture.size
        self.server.publish_frame_texture(texture.glo, region=(0, 0, width, height), size=(width, height))
        return True

    def stop_server(self) -> None:
        self.server.stop()


def syphon_output(server_name: str) -> SyphonOutput:
    return SyphonOutput(server_name)
