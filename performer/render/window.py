"""Where frames are shown: a GLFW window (vsync, fullscreen on a chosen monitor, HiDPI) or a headless
framebuffer with the same interface, so the app loop does not care which."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable

import moderngl

from performer.render.context import create_headless_context
from performer.render.target import unbind

log = logging.getLogger(__name__)

KeyHandler = Callable[[str, bool, bool], None]  # (key name, pressed, shift held)


class NoDisplayError(Exception):
    """No window can be opened here; the message is one line for people."""


def display_available() -> bool:
    if sys.platform.startswith("linux") or "bsd" in sys.platform:
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


class HeadlessSurface:
    """An offscreen framebuffer standing in for a window: for tests, CI and offline rendering."""

    content_scale = 1.0

    def __init__(self, size: tuple[int, int], ctx: moderngl.Context | None = None) -> None:
        self.ctx = ctx or create_headless_context()
        self.size = (int(size[0]), int(size[1]))
        self.texture = self.ctx.texture(self.size, 4)
        self.screen = self.ctx.framebuffer(color_attachments=[self.texture])
        self.on_key: KeyHandler | None = None
        self.title = ""

    def framebuffer_size(self) -> tuple[int, int]:
        return self.size

    def should_close(self) -> bool:
        return False

    def poll_events(self) -> None:
        pass

    def swap(self) -> None:
        pass

    def set_title(self, title: str) -> None:
        self.title = title

    def toggle_fullscreen(self) -> None:
        log.info("headless: fullscreen does not apply")

    def close(self) -> None:
        unbind(self.ctx, self.screen)
        self.screen.release()
        self.texture.release()


class GlfwWindow:
    """A GLFW window with an OpenGL 3.3 core forward-compatible context (what macOS requires)."""

    def __init__(
        self,
        size: tuple[int, int] = (1280, 720),
        title: str = "performer",
        monitor: int = 0,
        fullscreen: bool = False,
        vsync: bool = True,
    ) -> None:
        import glfw

        self.glfw = glfw
        if not display_available():
            raise NoDisplayError("no display found (DISPLAY and WAYLAND_DISPLAY are not set)")
        glfw.ERROR_REPORTING = "raise"  # turn GLFW errors into one-line messages, not warnings
        try:
            self._open(glfw, size, title, monitor, fullscreen, vsync)
        except glfw.GLFWError as exc:
            glfw.terminate()
            raise NoDisplayError(f"GLFW could not open a window ({exc})") from exc
        finally:
            glfw.ERROR_REPORTING = "log"

    def _open(self, glfw, size, title, monitor, fullscreen, vsync) -> None:
        if not glfw.init():
            raise NoDisplayError("GLFW could not start (no usable display)")
        monitors = glfw.get_monitors() or []
        if monitors and not 0 <= monitor < len(monitors):
            glfw.terminate()
            raise ValueError(f"--monitor {monitor}: there are {len(monitors)} monitor(s), 0..{len(monitors) - 1}")
        self.monitor = monitors[monitor] if monitors else None
        glfw.window_hint(glfw.CONTEXT_VERSION_MAJOR, 3)
        glfw.window_hint(glfw.CONTEXT_VERSION_MINOR, 3)
        glfw.window_hint(glfw.OPENGL_PROFILE, glfw.OPENGL_CORE_PROFILE)
        glfw.window_hint(glfw.OPENGL_FORWARD_COMPAT, True)
        glfw.window_hint(glfw.SCALE_TO_MONITOR, True)
        self.windowed_size = (int(size[0]), int(size[1]))
        self.windowed_pos: tuple[int, int] | None = None
        self.window = glfw.create_window(self.windowed_size[0], self.windowed_size[1], title, None, None)
        if not self.window:
            glfw.terminate()
            raise NoDisplayError("could not open an OpenGL 3.3 core window on this display")
        if self.monitor is not None and not fullscreen:
            mx, my = glfw.get_monitor_pos(self.monitor)
            glfw.set_window_pos(self.window, mx + 40, my + 40)
        glfw.make_context_current(self.window)
        glfw.swap_interval(1 if vsync else 0)
        self.ctx = moderngl.create_context(require=330)
        self.screen = self.ctx.screen
        self.on_key: KeyHandler | None = None
        glfw.set_key_callback(self.window, self._key)
        self.fullscreen = False
        if fullscreen:
            self.toggle_fullscreen()
        log.info("window: %s, OpenGL %s", self.ctx.info["GL_RENDERER"], self.ctx.info["GL_VERSION"])

    @property
    def content_scale(self) -> float:
        return float(self.glfw.get_window_content_scale(self.window)[0] or 1.0)

    def framebuffer_size(self) -> tuple[int, int]:
        # HiDPI: the framebuffer has more pixels than the window has screen coordinates.
        return tuple(self.glfw.get_framebuffer_size(self.window))

    def _key(self, window, key, scancode, action, mods) -> None:
        glfw = self.glfw
        if self.on_key is None or action == glfw.REPEAT:
            return
        shift = bool(mods & glfw.MOD_SHIFT)
        name = KEY_NAMES.get(key)
        if name is None and glfw.KEY_0 <= key <= glfw.KEY_9:
            name = str(key - glfw.KEY_0)
        if name is None and glfw.KEY_A <= key <= glfw.KEY_Z:
            name = chr(ord("a") + key - glfw.KEY_A)
        if name is not None:
            self.on_key(name, action == glfw.PRESS, shift)

    def should_close(self) -> bool:
        return bool(self.glfw.window_should_close(self.window))

    def poll_events(self) -> None:
        self.glfw.poll_events()

    def swap(self) -> None:
        self.glfw.swap_buffers(self.window)

    def set_title(self, title: str) -> None:
        self.glfw.set_window_title(self.window, title)

    def toggle_fullscreen(self) -> None:
        glfw = self.glfw
        if self.monitor is None:
            return
        if not self.fullscreen:
            self.windowed_pos = glfw.get_window_pos(self.window)
            self.windowed_size = glfw.get_window_size(self.window)
            mode = glfw.get_video_mode(self.monitor)
            glfw.set_window_monitor(
                self.window, self.monitor, 0, 0, mode.size.width, mode.size.height, mode.refresh_rate
            )
            glfw.set_input_mode(self.window, glfw.CURSOR, glfw.CURSOR_HIDDEN)  # no arrow on the projector
        else:
            x, y = self.windowed_pos or (40, 40)
            glfw.set_window_monitor(self.window, None, x, y, *self.windowed_size, 0)
            glfw.set_input_mode(self.window, glfw.CURSOR, glfw.CURSOR_NORMAL)
        self.fullscreen = not self.fullscreen

    def close(self) -> None:
        self.ctx.release()
        self.glfw.destroy_window(self.window)
        self.glfw.terminate()


def _key_names() -> dict[int, str]:
    try:
        import glfw
    except ImportError:  # pragma: no cover - glfw is a dependency
        return {}
    names = {
        glfw.KEY_SPACE: "space",
        glfw.KEY_ESCAPE: "escape",
        glfw.KEY_LEFT_SHIFT: "shift",
        glfw.KEY_RIGHT_SHIFT: "shift",
        glfw.KEY_LEFT: "left",
        glfw.KEY_RIGHT: "right",
        glfw.KEY_UP: "up",
        glfw.KEY_DOWN: "down",
        glfw.KEY_PAGE_UP: "page_up",
        glfw.KEY_PAGE_DOWN: "page_down",
        glfw.KEY_ENTER: "enter",
    }
    return names


KEY_NAMES = _key_names()
