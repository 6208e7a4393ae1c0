"""OpenGL contexts: headless (EGL, no display) for tests, CI and offline rendering."""

from __future__ import annotations

import moderngl


class NoGLError(Exception):
    """No OpenGL 3.3 context could be made here; the message says why in one line."""


def create_headless_context() -> moderngl.Context:
    """A standalone OpenGL 3.3+ core context through EGL (Mesa llvmpipe on a machine with no GPU)."""
    try:
        return moderngl.create_standalone_context(backend="egl", require=330)
    except Exception as exc:  # glcontext raises plain Exception types that differ by platform
        raise NoGLError(f"no headless OpenGL 3.3 context via EGL ({exc})") from exc
