"""Outputs: where each drawn frame goes. The window, the recorder and snapshots are outputs; so will the
NDI, Syphon and Spout senders be. The app loop knows a list of them and nothing more.

The Output protocol (OutputBase gives every method a default):

    name: str                       the output in logs, stats and the HUD's failure lines
    open(context: OutputContext)    once, before its first frame: context.ctx (the GL context) and
                                    context.readback (the one asynchronous readback all outputs share)
    frame(frame: Frame)             every frame the loop shows: frame.target (the offscreen picture, never
                                    the HUD), frame.now (the show's clock, seconds), frame.number (1, 2, ...)
                                    and frame.fresh (False when the picture is the previous frame's)
    close()                         at the end of the show: finish files, stop threads, free GL objects
    stats() -> dict                 counters (frames sent, dropped, ...) for soak and bench reports
    status_lines() -> list[str]     what it is doing, for the HUD (e.g. "REC 00:12.3 performer-....mp4")
    errors() -> list[str]           what went wrong, for the HUD in red

frame() runs on the render thread and must return at once: encoding and sending belong on the output's
own thread. An output that raises is logged (with its traceback the first time), counted and shown in the
HUD, and the show goes on without that frame of it.

Outputs that need the pixels subclass CaptureOutput: frame() calls self.capture(frame, tag) for the frames
it wants, and pixels(data, size, tag) receives them a frame or two later (RGB rows bottom first, read once
per frame however many outputs ask; see readback.py). An output that sends alpha (an alpha codec, NDI) calls
self.capture_rgba(frame, tag) instead and gets RGBA rows, straight alpha: the garment's mask when the
background parameter is transparent, 255 otherwise. A new output is one file: a class and a factory,
plugged into a running show by `performer play --output MODULE:FACTORY` (load_output below).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

import moderngl

from performer.outputs.readback import RGB, RGBA, FrameReadback
from performer.render.target import OffscreenTarget

log = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class Frame:
    target: OffscreenTarget
    now: float
    number: int = 1
    fresh: bool = True  # re-rendered for this frame


@dataclass(frozen=True)
class OutputContext:
    ctx: moderngl.Context
    readback: FrameReadback


def output_name(output) -> str:
    return getattr(output, "name", None) or type(output).__name__


def failure_line(name: str, count: int, message: str) -> str:
    """The HUD's red line for a part that failed (the app's parts and outputs alike)."""
    return f"{name} failed {count}x: {message} (the show goes on; see the log)"


class OutputBase:
    """Defaults for the Output protocol: an output overrides what it needs."""

    @property
    def name(self) -> str:
        return type(self).__name__

    def open(self, context: OutputContext) -> None:
        pass

    def frame(self, frame: Frame) -> None:
        pass

    def close(self) -> None:
        pass

    def stats(self) -> dict:
        return {}

    def status_lines(self) -> list[str]:
        return []

    def errors(self) -> list[str]:
        return []


class CaptureOutput(OutputBase):
    """An output that wants the frame's pixels, through the shared readback."""

    readback: FrameReadback | None = None
    _own_readback = False

    def open(self, context: OutputContext) -> None:
        self.readback = context.readback

    def capture(self, frame: Frame, tag: object = None, components: int = RGB) -> None:
        """Ask for the frame's pixels: RGB (3 components) unless `components` is 4 (see capture_rgba)."""
        self.readback.request(frame, self, tag, components)

    def capture_rgba(self, frame: Frame, tag: object = None) -> None:
        """Ask for the frame's pixels as RGBA, straight (not premultiplied) alpha, black where alpha is 0."""
        self.readback.request(frame, self, tag, RGBA)

    def pixels(self, data: bytes, size: tuple[int, int], tag: object) -> None:
        """One captured frame: RGB (or RGBA, as captured), rows bottom first, `size` = (width, height); `tag`
        as captured."""

    def flush_pixels(self) -> None:
        """Receive every frame still in flight now (e.g. the last frames of a recording that stops)."""
        if self.readback is not None:
            self.readback.flush(self)

    def __call__(self, target: OffscreenTarget, now: float) -> None:
        """Feed one frame outside an app loop (a test, a benchmark): the output reads through a readback of
        its own, released by close()."""
        if self.readback is None:
            self.open(OutputContext(target.ctx, FrameReadback(target.ctx)))
            self._own_readback = True
        self.frame(Frame(target, now))

    def release_readback(self) -> None:
        if self._own_readback and self.readback is not None:
            self.readback.release()
            self.readback, self._own_readback = None, False


class CallbackOutput(OutputBase):
    """A function of (target, now) as an output: for a test or a quick probe in a script."""

    def __init__(self, function: Callable[[OffscreenTarget, float], None]) -> None:
        self.function = function

    @property
    def name(self) -> str:
        return getattr(self.function, "__qualname__", type(self.function).__name__)

    def frame(self, frame: Frame) -> None:
        self.function(frame.target, frame.now)


class OutputSpecError(ValueError):
    """A --output MODULE:FACTORY that cannot be used; the message is one line."""


def output_factory(spec: str) -> Callable[[], object]:
    """The factory a `MODULE:FACTORY` spec names (imported now, so a typo is found before the show)."""
    module_name, _, factory_name = spec.partition(":")
    if not module_name or not factory_name:
        raise OutputSpecError(f"--output {spec}: expected MODULE:FACTORY, e.g. mypackage.ndi:sender")
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # ImportError, or the module failing as it loads
        raise OutputSpecError(f"--output {spec}: cannot import {module_name} ({type(exc).__name__}: {exc})") from None
    factory = getattr(module, factory_name, None)
    if not callable(factory):
        raise OutputSpecError(f"--output {spec}: {module_name} has no callable {factory_name}")
    return factory


def load_output(spec: str):
    """An output made by the factory a `MODULE:FACTORY` spec names, called with no arguments."""
    factory = output_factory(spec)
    try:
        output = factory()
    except Exception as exc:
        raise OutputSpecError(f"--output {spec}: {type(exc).__name__}: {exc}") from None
    if not callable(getattr(output, "frame", None)):
        raise OutputSpecError(f"--output {spec}: {type(output).__name__} has no frame(frame) method")
    return output
