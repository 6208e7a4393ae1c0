"""OpenGL contexts: headless (EGL, no display) for tests, CI and offline rendering."""

from __future__ import annotations

from collections.abc import Callable

import moderngl


class NoGLError(Exception):
    """No OpenGL 3.3 context could be made here; the message says why in one line."""


def create_headless_context() -> moderngl.Context:
    """A standalone OpenGL 3.3+ core context through EGL (Mesa llvmpipe on a machine with no GPU)."""
    try:
        return moderngl.create_standalone_context(backend="egl", require=330)
    except Exception as exc:  # glcontext raises plain Exception types that differ by platform
        raise NoGLError(f"no headless OpenGL 3.3 context via EGL ({exc})") from exc


def gil_free_finish(ctx: moderngl.Context) -> Callable[[], None]:
    """Wait for the GPU with the GIL released: glFinish through ctypes (as glfw.swap_buffers is in the app).
    moderngl's ctx.finish() holds the GIL while the driver works, which starves every other Python thread
    (the OSC server, MIDI callbacks) for the length of a frame. Falls back to ctx.finish()."""
    import ctypes
    import ctypes.util

    for name in ("libGL.so.1", ctypes.util.find_library("GL"), "libOpenGL.so.0"):
        if not name:
            continue
        try:
            return ctypes.CDLL(name).glFinish
        except (OSError, AttributeError):
            continue
    return ctx.finish
