"""The window as an output: the frame copied to the surface (a GLFW window or the headless stand-in),
then whatever the surface alone shows on top of it (the HUD, the latent previews). Recorders and senders
read the offscreen frame, so the overlays are never in a file."""

from __future__ import annotations

from collections.abc import Callable

import moderngl

from performer.outputs.base import Frame, OutputBase

Overlay = Callable[[moderngl.Framebuffer, tuple[int, int]], None]  # draws onto the screen at its size


class WindowOutput(OutputBase):
    name = "window"

    def __init__(self, surface, overlay: Overlay | None = None) -> None:
        self.surface, self.overlay = surface, overlay
        self.presented = 0

    def frame(self, frame: Frame) -> None:
        screen = self.surface.screen
        frame.target.ctx.copy_framebuffer(screen, frame.target.framebuffer)
        self.presented += 1
        if self.overlay is not None:
            self.overlay(screen, tuple(frame.target.size))

    def stats(self) -> dict:
        return {"presented": self.presented}
