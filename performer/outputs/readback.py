"""One asynchronous readback per frame, shared by every output that wants the pixels.

A plain framebuffer.read() waits for the GPU to finish the frame and copies on the spot. Reading into a
pixel pack buffer returns at once; the buffer is mapped `depth` frames later, when the copy is long done,
so the render loop never waits on it. However many outputs ask for a frame (the recorder, a video sender),
it is read once: each asks with request(frame, consumer, tag) and every consumer gets the same bytes in
consumer.pixels(data, size, tag), oldest frame first. A frame that was not re-rendered (a still picture,
a paused show) is not read again: it is delivered with the bytes of the last frame that was.

Rows come out bottom first (GL's order), tightly packed: consumers flip if they need to. A consumer asks for
RGB (3 components: the video codecs without alpha, snapshots) or RGBA (4: the alpha codecs, NDI); the
frame's alpha is straight, the garment's mask in the transparent background mode and 255 otherwise. A frame
wanted both ways is read twice (two small copies beat one RGBA read cut down to RGB on the CPU), each way
once however many consumers share it.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import moderngl

log = logging.getLogger(__name__)

RGB, RGBA = 3, 4  # components a consumer asks for


class PixelConsumer(Protocol):
    def pixels(self, data: bytes, size: tuple[int, int], tag: object) -> None: ...


@dataclass(eq=False)
class PendingRead:
    frame: object  # the Frame it belongs to (compared by identity)
    size: tuple[int, int]
    components: int = RGB
    buffer: moderngl.Buffer | None = None  # None: the picture is `same_as`'s (a frame not re-rendered)
    same_as: PendingRead | None = None
    data: bytes | None = None  # once mapped
    consumers: list[tuple[PixelConsumer, object]] = field(default_factory=list)


Guard = Callable[..., object]  # guard(function, *args, name=...): the app's "log once, count, go on"


def unguarded(function, *args, name: str = ""):
    return function(*args)


class FrameReadback:
    def __init__(self, ctx: moderngl.Context, depth: int = 2, guard: Guard = unguarded) -> None:
        if depth < 1:
            raise ValueError(f"readback depth must be >= 1, got {depth}")
        self.ctx, self.depth, self.guard = ctx, depth, guard
        self.pending: deque[PendingRead] = deque()
        self.free: list[moderngl.Buffer] = []
        self._last_read: dict[int, PendingRead] = {}  # by components: the newest frame actually read from the GPU
        self.reads = 0  # frames read from the GPU
        self.shared = 0  # requests served by a read another consumer had already started
        self.reused = 0  # frames delivered with the previous picture's bytes (not re-rendered)
        self.immediate = 0  # reads made on the spot (a snapshot of a frame nobody else wanted)

    def request(self, frame, consumer: PixelConsumer, tag: object = None, components: int = RGB) -> None:
        """Ask for `frame`'s pixels (frame.target, frame.fresh) as RGB or RGBA (`components` 3 or 4): they
        arrive in consumer.pixels() a few frames later, or at flush(consumer). The first request of a frame
        (in those components) starts its read; the oldest frame is delivered when more than `depth` are in
        flight."""
        if components not in (RGB, RGBA):
            raise ValueError(f"a readback reads 3 (RGB) or 4 (RGBA) components, not {components!r}")
        read = self._in_flight(frame, components)
        if read is not None:
            self.shared += 1
        else:
            if not self.pending or self.pending[-1].frame is not frame:  # a new frame
                while self._frames_in_flight() >= self.depth:
                    self._deliver_oldest_frame()
            read = self._start(frame, components)
            self.pending.append(read)
        read.consumers.append((consumer, tag))

    def _in_flight(self, frame, components: int) -> PendingRead | None:
        """The read already started for this frame in these components (the reads of a frame are the newest)."""
        for read in reversed(self.pending):
            if read.frame is not frame:
                return None
            if read.components == components:
                return read
        return None

    def _frames_in_flight(self) -> int:
        return len({id(read.frame) for read in self.pending})

    def _deliver_oldest_frame(self) -> None:
        oldest = self.pending[0].frame
        while self.pending and self.pending[0].frame is oldest:
            self._deliver(self.pending.popleft())

    def _start(self, frame, components: int) -> PendingRead:
        target = frame.target
        size = (int(target.size[0]), int(target.size[1]))
        last = self._last_read.get(components)
        if not getattr(frame, "fresh", True) and last is not None and (last.frame.target, last.size) == (target, size):
            self.reused += 1
            return PendingRead(frame, size, components, same_as=last)
        read = PendingRead(frame, size, components, self._buffer(size, components))
        target.framebuffer.read_into(read.buffer, viewport=(0, 0, *size), components=components, alignment=1)
        self.reads += 1
        self._last_read[components] = read
        return read

    def _buffer(self, size: tuple[int, int], components: int) -> moderngl.Buffer:
        """A free buffer for this read; free buffers of another frame size go (the frame size changed)."""
        pixels = size[0] * size[1]
        nbytes, current = pixels * components, {pixels * RGB, pixels * RGBA}
        found, keep = None, []
        for buffer in self.free:
            if found is None and buffer.size == nbytes:
                found = buffer
            elif buffer.size in current:
                keep.append(buffer)
            else:
                buffer.release()
        self.free = keep
        return found if found is not None else self.ctx.buffer(reserve=nbytes, dynamic=True)

    def _data(self, read: PendingRead) -> bytes:
        if read.data is None:
            if read.same_as is not None:
                read.data = self._data(read.same_as)
                read.same_as = None
            else:
                read.data = read.buffer.read()
                self.free.append(read.buffer)
                read.buffer = None
        return read.data

    def _deliver(self, read: PendingRead, only: PixelConsumer | None = None) -> None:
        data = self._data(read)
        keep = []
        for consumer, tag in read.consumers:
            if only is not None and consumer is not only:
                keep.append((consumer, tag))
                continue
            name = getattr(consumer, "name", type(consumer).__name__)
            self.guard(consumer.pixels, data, read.size, tag, name=name)
        read.consumers = keep

    def flush(self, consumer: PixelConsumer) -> None:
        """Deliver every frame still in flight for `consumer`, now, oldest first (a recording that stops)."""
        for read in list(self.pending):
            if any(c is consumer for c, _ in read.consumers):
                self._deliver(read, only=consumer)
                if not read.consumers:
                    self.pending.remove(read)

    def read_now(self, frame, components: int = RGB) -> bytes:
        """`frame`'s pixels at once (a snapshot): the read already in flight for it if there is one (mapped
        early; its consumers still get it in turn), else a read on the spot."""
        for read in reversed(self.pending):
            if read.frame is frame and read.components == components:
                return self._data(read)
        self.immediate += 1
        return frame.target.framebuffer.read(components=components, alignment=1)

    def stats(self) -> dict[str, int]:
        return {
            "reads": self.reads,
            "shared": self.shared,
            "reused": self.reused,
            "immediate": self.immediate,
            "in_flight": len(self.pending),
        }

    def release(self) -> None:
        """Drop what is in flight (undelivered) and free the buffers."""
        buffers = self.free + [read.buffer for read in self.pending if read.buffer is not None]
        for buffer in buffers:
            buffer.release()
        self.free, self._last_read = [], {}
        self.pending.clear()
