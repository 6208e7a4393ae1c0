"""The operator window: a second GLFW window whose GL context shares the output window's objects (glfw's share
argument), so the CPPN renders once per frame and the operator shows that same texture as a preview. It is an
Output (performer/outputs/base.py) placed before the window: each frame it draws its panels into its own
framebuffer and swaps without waiting for vsync, then hands the context back to the output window. Nothing it
draws reaches the output: the two windows have different framebuffers."""

from __future__ import annotations

import logging
from pathlib import Path

import moderngl

from performer.outputs.base import Frame, OutputBase

log = logging.getLogger(__name__)
SCREENSHOT_AFTER = 5  # frames: the font atlas and the layout have settled by then
UI_FONT_SIZE = 15.0  # pixels at scale 1


class OperatorWindow(OutputBase):
    name = "operator"

    def __init__(
        self, output_window, panels, size=(1280, 720), screenshot: Path | None = None, fps: float | None = 30.0
    ) -> None:
        import glfw
        from imgui_bundle import imgui

        from performer.operator.imgui_renderer import ImguiRenderer

        self.glfw, self.imgui, self.output = glfw, imgui, output_window
        self.panels, self.screenshot, self.frames = panels, screenshot, 0
        # redraws at most `fps` a second: on a software renderer a redraw costs the output a good part of
        # its frame, and a slider does not need 60 redraws a second to follow the hand
        self.period = 1.0 / fps if fps else 0.0
        self.drawn_at = float("-inf")
        glfw.window_hint(glfw.SCALE_TO_MONITOR, True)
        self.window = glfw.create_window(size[0], size[1], "performer: operator", None, output_window.window)
        if not self.window:
            raise RuntimeError("could not open the operator window")
        self._place(glfw)
        glfw.make_context_current(self.window)
        try:
            glfw.swap_interval(0)  # the output window waits for vsync; this one must not wait a second time
            self.ctx = moderngl.create_context(require=330)
            self.gui = imgui.create_context()
            imgui.set_current_context(self.gui)
            io = imgui.get_io()
            io.config_error_recovery_enable_assert = False  # a panel's bug is recovered from, not fatal
            io.set_ini_filename(None)  # no imgui.ini written into the show's folder
            scale = max(1.0, float(glfw.get_window_content_scale(self.window)[0] or 1.0))
            imgui.get_style().scale_all_sizes(scale)  # HiDPI: widgets and text grow with the screen's scale
            imgui.get_style().font_scale_dpi = scale
            self._use_font(io)
            panels.scale = scale
            self.renderer = ImguiRenderer(self.ctx)
        finally:
            glfw.make_context_current(output_window.window)
        self.uploads: dict[str, tuple] = {}  # slot -> (version, texture, ImGui id): numpy images shown here
        self.shared: dict[str, tuple] = {}  # slot -> ((GL name, size), ImGui id): output textures shown here
        glfw.set_cursor_pos_callback(self.window, lambda w, x, y: self._io().add_mouse_pos_event(x, y))
        glfw.set_mouse_button_callback(
            self.window, lambda w, b, action, mods: self._io().add_mouse_button_event(b, action == glfw.PRESS)
        )
        glfw.set_scroll_callback(self.window, lambda w, dx, dy: self._io().add_mouse_wheel_event(dx, dy))
        glfw.set_key_callback(self.window, output_window._key)  # the show's keys work from here too

    @staticmethod
    def _use_font(io) -> None:
        """Roboto (shipped in imgui-bundle's wheel) at UI_FONT_SIZE: more legible from a stage distance than
        ImGui's 13-pixel bitmap-style default; that default stays when the file is not there."""
        import imgui_bundle

        font = Path(imgui_bundle.__file__).parent / "assets" / "fonts" / "Roboto" / "Roboto-Regular.ttf"
        if font.is_file():
            io.fonts.add_font_from_file_ttf(str(font), UI_FONT_SIZE)

    def _io(self):
        self.imgui.set_current_context(self.gui)
        return self.imgui.get_io()

    def _place(self, glfw) -> None:
        """On another monitor than the output's when there is one."""
        monitors = glfw.get_monitors() or []
        others = [m for m in monitors if m != getattr(self.output, "monitor", None)]
        if others:
            x, y = glfw.get_monitor_pos(others[0])
            glfw.set_window_pos(self.window, x + 20, y + 20)

    def preview_image(self, target):
        """The output's texture as an ImGui image id (re-wrapped when the renderer made a new one)."""
        return self.shared_image(getattr(target, "texture", None), "preview")

    def shared_image(self, texture, slot: str):
        """A texture of the output's context (shared objects) as an ImGui image id of this one: wrapped once
        per `slot`, re-wrapped when the owner made a new texture (a resize). None for no texture."""
        if texture is None:
            return None
        key = (texture.glo, tuple(texture.size))
        held = self.shared.get(slot)
        if held is None or held[0] != key:
            if held is not None:
                self.renderer.textures.pop(held[0][0], None)
            wrapped = self.ctx.external_texture(texture.glo, tuple(texture.size), 4, 0, "f1")
            self.shared[slot] = (key, self.renderer.register(wrapped))
        return self.shared[slot][1]

    def cpu_image(self, slot: str, version: int, pixels):
        """A numpy image (grey [H, W] in 0..1, or uint8 [H, W, 3|4]) as an ImGui image id, uploaded to a
        texture of this context only when `version` changes (the design canvas's drawing). Call it while
        drawing the panels (this context is current then)."""
        import numpy as np

        held = self.uploads.get(slot)
        if held is not None and held[0] == version:
            return held[2]
        image = np.asarray(pixels)
        if image.dtype != np.uint8:
            image = (np.clip(image, 0.0, 1.0) * 255 + 0.5).astype(np.uint8)
        if image.ndim == 2:
            image = np.repeat(image[:, :, None], 3, axis=2)
        if image.shape[2] == 3:
            image = np.concatenate([image, np.full(image.shape[:2] + (1,), 255, np.uint8)], axis=2)
        size = (image.shape[1], image.shape[0])
        texture = held[1] if held is not None and held[1].size == size else None
        if texture is None:
            if held is not None:
                self.renderer.textures.pop(held[1].glo, None)
                held[1].release()
            texture = self.ctx.texture(size, 4)
        texture.write(np.ascontiguousarray(image).tobytes())  # row 0 at the top: ImGui's uv (0, 0) is row 0
        ref = self.renderer.register(texture)
        self.uploads[slot] = (version, texture, ref)
        return ref

    def frame(self, frame: Frame) -> None:
        glfw, imgui = self.glfw, self.imgui
        if glfw.window_should_close(self.window):
            glfw.set_window_should_close(self.window, False)
            glfw.hide_window(self.window)  # closing the operator window hides it; the show goes on
        if not glfw.get_window_attrib(self.window, glfw.VISIBLE):
            return
        if frame.now - self.drawn_at < self.period * 0.95:  # the 5%: a 60 Hz loop's jitter still halves
            return
        delta, self.drawn_at = frame.now - self.drawn_at, frame.now
        self.panels.prepare(frame)  # thumbnails and atlases drawn by the output's context, which is current
        frame.target.ctx.finish()  # the frame is complete before another context samples it
        glfw.make_context_current(self.window)
        try:
            imgui.set_current_context(self.gui)
            io = imgui.get_io()
            width, height = glfw.get_window_size(self.window)
            fb_width, fb_height = glfw.get_framebuffer_size(self.window)
            io.display_size = imgui.ImVec2(width, height)
            if width and height:
                io.display_framebuffer_scale = imgui.ImVec2(fb_width / width, fb_height / height)
            io.delta_time = min(max(delta, 1e-4), 0.5)  # ImGui's key repeat and double clicks need real time
            imgui.new_frame()
            try:
                self.panels.draw(self, frame)
            finally:
                # a panel that raised left windows open: ImGui's error recovery closes them as the frame ends,
                # so the next frame starts clean (the app counts and shows the failure)
                imgui.render()
            self.ctx.screen.use()
            self.ctx.viewport = (0, 0, fb_width, fb_height)
            self.ctx.clear(0.08, 0.08, 0.09)
            self.renderer.render(imgui.get_draw_data(), self.ctx.screen)
            self.frames += 1
            if self.screenshot is not None and self.frames == SCREENSHOT_AFTER:
                self._write_screenshot(fb_width, fb_height)
            glfw.swap_buffers(self.window)
        finally:
            glfw.make_context_current(self.output.window)

    def save_screenshot(self, path: Path) -> None:
        """The operator window as last drawn, to a PNG (atomically)."""
        self.glfw.make_context_current(self.window)
        try:
            self.screenshot = Path(path)
            self._write_screenshot(*self.glfw.get_framebuffer_size(self.window))
        finally:
            self.glfw.make_context_current(self.output.window)

    def _write_screenshot(self, width: int, height: int) -> None:
        import imageio.v3 as iio
        import numpy as np

        from performer.safe_files import atomic_write_bytes

        pixels = np.frombuffer(self.ctx.screen.read(viewport=(0, 0, width, height), components=3), np.uint8)
        image = pixels.reshape(height, width, 3)[::-1]
        atomic_write_bytes(self.screenshot, iio.imwrite("<bytes>", image, extension=".png"), "operator screenshot")
        log.info("operator screenshot: %s (%dx%d)", self.screenshot, width, height)

    def read_pixels(self) -> bytes:
        """The operator framebuffer as last drawn (RGB rows bottom first): for tests."""
        self.glfw.make_context_current(self.window)
        try:
            return self.ctx.screen.read(components=3)
        finally:
            self.glfw.make_context_current(self.output.window)

    def close(self) -> None:
        glfw = self.glfw
        self.panels.release()  # their atlases are the output context's, which is current here
        glfw.make_context_current(self.window)
        try:
            self.imgui.set_current_context(self.gui)
            for _, texture, _ in self.uploads.values():
                self.renderer.textures.pop(texture.glo, None)
                texture.release()
            self.renderer.release()
            self.imgui.destroy_context(self.gui)
            self.ctx.release()
        finally:
            glfw.make_context_current(self.output.window)
            glfw.destroy_window(self.window)
