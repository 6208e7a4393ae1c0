"""NDI output (`performer play --ndi NAME`): the show as an NDI source on the network, with alpha.

    render loop (GL thread)                                        sender thread
    frame(frame) -> the shared readback, RGBA  --queue (2)-->  rows flipped to top first into one of two
                    pixels(data)                                buffers, handed to NDI asynchronously (the
                                                                SDK compresses on its own threads)

The render thread only asks for the frame's pixels and hands the mapped bytes over; the flip and the send
happen on this output's thread. A frame that finds the queue full is dropped and counted: a slow network
or receiver shows as a number, never as a slower show. While no receiver is connected nothing is read back
or compressed (the frames are counted as `idle`); the thread checks for receivers a few times a second.

Pixels go as NDI's RGBA FourCC, straight alpha as the readback gives it (the garment's mask in the
transparent background mode, 255 otherwise); NDI receivers ask for BGRA, RGBA or UYVY and the SDK converts.
The library is ndi-python (`pip install performer[ndi]`), whose wheel bundles the NDI runtime; without it
the output logs one line, shows it in the HUD, and the show goes on without NDI.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import deque

import numpy as np

from performer.outputs.base import CaptureOutput, Frame, OutputContext

log = logging.getLogger(__name__)

INSTALL_HINT = "pip install performer[ndi]"
RECEIVER_POLL_S = 0.2  # how often an idle sender thread looks for receivers
CLOSE_LINGER_S = 0.2  # at close, for the last frames to reach the receivers
_STOP = object()


def import_ndi():
    """The NDIlib module (ndi-python); ImportError with the install hint when it is not there."""
    try:
        import NDIlib
    except ImportError as exc:  # also a wheel whose bundled runtime does not load on this machine
        raise ImportError(f"ndi-python is not installed or does not load ({exc}); {INSTALL_HINT}") from None
    return NDIlib


class NdiOutput(CaptureOutput):
    def __init__(self, source_name: str, fps: float = 60.0, queue_frames: int = 2, library=None) -> None:
        if not source_name.strip():
            raise ValueError("an NDI source needs a name, e.g. --ndi performer")
        if queue_frames < 1:
            raise ValueError(f"queue_frames must be >= 1, got {queue_frames}")
        self.source_name, self.fps = source_name, float(fps)
        self.library = library  # None: ndi-python, imported at open
        self.queue: queue.Queue = queue.Queue(maxsize=queue_frames)
        self.sender = None
        self.error: str | None = None
        self.receivers = 0  # connected receivers, as the sender thread last saw them
        self.sent = self.dropped = self.idle = 0
        self.send_seconds: deque[float] = deque(maxlen=120)  # flip + hand-over, the last 120 frames
        self.size: tuple[int, int] | None = None
        self._buffers: list[np.ndarray] = []
        self._frames: list = []  # NDI video frames over the two buffers, alternating
        self._next = 0
        self._closing = False
        self._thread: threading.Thread | None = None

    @property
    def name(self) -> str:
        return f"ndi {self.source_name}"

    # ---- the output (render thread) ---------------------------------------------------------------------
    def open(self, context: OutputContext) -> None:
        super().open(context)
        try:
            lib = self.library if self.library is not None else import_ndi()
            if not lib.initialize():
                raise RuntimeError("the NDI runtime did not start (NDIlib.initialize failed; is the CPU supported?)")
            settings = lib.SendCreate()
            settings.ndi_name, settings.clock_video = self.source_name, False  # the show sets the pace
            sender = lib.send_create(settings)
            if sender is None:
                raise RuntimeError(f"NDI could not create a source named {self.source_name!r}")
        except (ImportError, RuntimeError, OSError) as exc:
            self.error = f"NDI {self.source_name} off: {exc}"
            log.warning("%s; the show goes on without it", self.error)
            return
        self.library, self.sender = lib, sender
        self._thread = threading.Thread(target=self._run, name="ndi-sender", daemon=True)
        self._thread.start()
        log.info(
            "NDI source %r at %g fps (receivers list it as 'HOST (%s)')", self.source_name, self.fps, self.source_name
        )

    def frame(self, frame: Frame) -> None:
        if self.sender is None or self._closing:
            return
        if self.receivers == 0:
            self.idle += 1
            return
        self.capture_rgba(frame, frame.number)

    def pixels(self, data: bytes, size: tuple[int, int], tag: object) -> None:
        try:
            if self._closing:  # the last frames, at close: worth a short wait
                self.queue.put((data, size), timeout=1.0)
            else:
                self.queue.put_nowait((data, size))
        except queue.Full:
            self.dropped += 1

    def close(self, timeout: float = 5.0) -> None:
        """Send what is still in flight, stop the thread, and take the source off the network."""
        if self.sender is not None and self._thread is not None:
            self._closing = True
            self.flush_pixels()
            try:
                self.queue.put(_STOP, timeout=timeout)
            except queue.Full:  # the thread is stuck in a send: it is a daemon, left to the process's end
                log.warning("NDI %s: the sender thread does not answer; the source is left open", self.source_name)
            self._thread.join(timeout)
            if not self._thread.is_alive():
                self.library.send_send_video_async_v2(self.sender, None)  # waits for NDI to take the last frame
                if self.receivers:
                    # NDI does not say when a frame has left: destroyed at once, the last 2-3 frames were lost
                    # in 2 of 6 closes on loopback; with 0.1-0.3 s to go, 10 of 10 arrived
                    time.sleep(CLOSE_LINGER_S)
                self.library.send_destroy(self.sender)
            log.info("NDI %s: %s", self.source_name, self._summary())
            self.sender = None
        self.release_readback()

    # ---- the sender thread ------------------------------------------------------------------------------
    def _run(self) -> None:
        lib, sender = self.library, self.sender
        polled = 0.0
        while True:
            try:
                item = self.queue.get(timeout=RECEIVER_POLL_S)
            except queue.Empty:
                item = None
            if item is _STOP:
                return
            now = time.monotonic()
            if item is None or now - polled >= RECEIVER_POLL_S:
                self.receivers, polled = lib.send_get_no_connections(sender, 0), now
            if item is not None:
                try:
                    self._send(*item)
                except Exception as exc:  # a send that fails is counted and shown; the thread goes on
                    self.dropped += 1
                    if self.error is None:
                        log.exception("NDI %s: a frame could not be sent", self.source_name)
                    self.error = f"NDI {self.source_name}: {type(exc).__name__}: {exc}"[:120]

    def _send(self, data: bytes, size: tuple[int, int]) -> None:
        started = time.perf_counter()
        width, height = size
        if self.size != size:
            self._allocate(size)
        buffer = self._buffers[self._next]
        # readback rows are bottom first (GL's), NDI's top first; this buffer was handed to NDI two sends ago,
        # and the send after it waited for NDI to let go of it
        np.copyto(buffer, np.frombuffer(data, np.uint8).reshape(height, width, 4)[::-1])
        self.library.send_send_video_async_v2(self.sender, self._frames[self._next])
        self._next ^= 1
        self.sent += 1
        self.send_seconds.append(time.perf_counter() - started)

    def _allocate(self, size: tuple[int, int]) -> None:
        lib = self.library
        if self._frames:
            lib.send_send_video_async_v2(self.sender, None)  # NDI lets go of the old buffers first
        width, height = size
        self._buffers = [np.zeros((height, width, 4), np.uint8) for _ in range(2)]
        self._frames = []
        for buffer in self._buffers:
            video = lib.VideoFrameV2()
            video.data = buffer  # sets the width, height and line stride from the array
            video.FourCC = lib.FOURCC_VIDEO_TYPE_RGBA
            video.frame_rate_N, video.frame_rate_D = round(self.fps * 1000), 1000
            self._frames.append(video)
        self.size, self._next = size, 0
        if width % 2:
            log.warning("NDI %s: width %d is odd; NDI expects an even width", self.source_name, width)

    # ---- status -----------------------------------------------------------------------------------------
    def send_ms(self) -> float:
        times = list(self.send_seconds)
        return 1000 * float(np.median(times)) if times else 0.0

    def stats(self) -> dict:
        return {
            "sent": self.sent,
            "dropped": self.dropped,
            "idle": self.idle,
            "receivers": self.receivers,
            "send_ms": round(self.send_ms(), 3),
        }

    def _summary(self) -> str:
        return (
            f"{self.sent} frames sent, {self.dropped} dropped, {self.idle} with no receiver, "
            f"{self.send_ms():.1f} ms median send"
        )

    def status_lines(self) -> list[str]:
        if self.sender is None:
            return []
        if self.receivers == 0:
            return [f"NDI {self.source_name}: no receiver ({self.sent} sent)"]
        return [f"NDI {self.source_name}: {self.receivers} receiver(s), {self._summary()}"]

    def errors(self) -> list[str]:
        return [self.error] if self.error else []


def ndi_output(source_name: str, fps: float = 60.0) -> NdiOutput:
    return NdiOutput(source_name, fps)
