"""Asynchronous readback: glReadPixels into a ring of pixel buffer objects, mapped a frame later.

A plain framebuffer.read() waits for the GPU to finish the frame and copies on the spot. Reading into a
pixel pack buffer returns at once; by the time the buffer is read `depth - 1` frames later the copy is
done, so the render loop never waits on it. Rows come out bottom first (GL's order): the encoder flips.
"""

from __future__ import annotations

from collections import deque

import moderngl


class PboReader:
    def __init__(self, ctx: moderngl.Context, size: tuple[int, int], depth: int = 2) -> None:
        if depth < 1:
            raise ValueError(f"readback depth must be >= 1, got {depth}")
        self.ctx, self.size = ctx, (int(size[0]), int(size[1]))
        nbytes = self.size[0] * self.size[1] * 3
        self.free = deque(ctx.buffer(reserve=nbytes, dynamic=True) for _ in range(depth))
        self.busy: deque[tuple[moderngl.Buffer, object]] = deque()

    def push(self, framebuffer: moderngl.Framebuffer, tag: object) -> tuple[bytes, object] | None:
        """Start reading `framebuffer`; returns the oldest finished (bytes, tag) when the ring is full."""
        done = self._take() if not self.free else None
        buffer = self.free.popleft()
        framebuffer.read_into(buffer, viewport=(0, 0, *self.size), components=3, alignment=1)
        self.busy.append((buffer, tag))
        return done

    def _take(self) -> tuple[bytes, object]:
        buffer, tag = self.busy.popleft()
        data = buffer.read()
        self.free.append(buffer)
        return data, tag

    def flush(self) -> list[tuple[bytes, object]]:
        """Every frame still in flight, oldest first."""
        out = []
        while self.busy:
            out.append(self._take())
        return out

    def release(self) -> None:
        for buffer in list(self.free) + [b for b, _ in self.busy]:
            buffer.release()
        self.free.clear()
        self.busy.clear()
