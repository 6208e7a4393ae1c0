"""Prints in the live loop: the PrintLayer sits between the state, the print worker and the renderer.

It is the renderer's print source (CppnRenderer(..., prints=layer)): before each frame the renderer calls
update() (send the worker the newest request, upload the newest stylised texture), draws with its texture
and slots, and redraws when `sequence` moves (a new print arrived). The worker stylises the garment in a
fixed garment frame (zoom 1, pan 0, no rotation), and the shader samples that texture at each pixel's
garment coordinate, so zooming, panning and rotating move the print with the garment on the very frame
they happen, however far behind the worker is.

Torch stays in the worker: start_prints() reads the print file's header here (its names, without torch)
and the worker process loads the model and the network itself.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import moderngl
import numpy as np

from performer.prints.slots import Slot, print_uniforms, resolve, slots
from performer.prints.worker import PrintRequest, PrintWorker
from performer.state import PerformanceState

log = logging.getLogger(__name__)

WORKING_SIZE = 256  # the garment frame's resolution at print_scale 1
MIN_SIZE, MAX_SIZE = 64, 512  # print_scale changes the working size: the network's print has a pixel scale


def working_size(base: int, scale: float) -> int:
    """A multiple of 4 (the network halves twice) near base * scale, within MIN_SIZE..MAX_SIZE."""
    return int(min(max(round(base * scale / 4.0) * 4, MIN_SIZE), MAX_SIZE))


class PrintLayer:
    def __init__(
        self,
        ctx: moderngl.Context,
        names: tuple[str, ...] = (),
        worker: PrintWorker | None = None,
        size: int = WORKING_SIZE,
        extent: float = 1.0,
    ) -> None:
        self.ctx, self.worker, self.size, self.extent = ctx, worker, size, extent
        self.table: tuple[Slot, ...] = slots(names if worker is not None else ())
        self.texture = self._make_texture(np.zeros((1, 1, 3), np.uint8))
        self.sequence = 0  # of the uploaded result; 0 = none yet
        self.last_request: PrintRequest | None = None
        self.uploads = 0

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(slot.name for slot in self.table)

    @property
    def learned_ready(self) -> bool:
        return self.sequence > 0

    def _make_texture(self, image: np.ndarray) -> moderngl.Texture:
        texture = self.ctx.texture((image.shape[1], image.shape[0]), 3, image.tobytes())
        texture.filter = (moderngl.LINEAR, moderngl.LINEAR)
        # The shader mirrors the texture beyond the garment frame itself; a repeating wrap would blend the
        # last row with the first where the mirror turns, a one-pixel seam across the garment.
        texture.repeat_x = texture.repeat_y = False
        return texture

    def request(self, state: PerformanceState) -> PrintRequest | None:
        """What the worker should stylise now, or None when no learned print is visible."""
        if self.worker is None or self.worker.failed or state.params.get("print_opacity", 0.0) <= 0.0:
            return None
        a = resolve(self.table, state.params.get("print_a", 0))
        b = resolve(self.table, state.params.get("print_b", 0))
        if a.learned is None and b.learned is None:
            return None
        # A learned print blended with a procedural one: the worker makes the learned one alone and the
        # shader blends; two learned prints blend inside the network (their normalisation parameters).
        la = a.learned if a.learned is not None else b.learned
        lb = b.learned if b.learned is not None else a.learned
        mix = float(state.params.get("print_mix", 0.0)) if la != lb else 0.0
        size = working_size(self.size, state.params.get("print_scale", 1.0))
        return PrintRequest(tuple(float(v) for v in state.z), int(la), int(lb), mix, size)

    def update(self, state: PerformanceState, now: float, dt: float) -> None:
        request = self.request(state)
        if request is not None and request != self.last_request:
            self.worker.submit(request)
            self.last_request = request
        result = self.worker.latest() if self.worker is not None else None
        if result is not None and result.sequence != self.sequence:
            self._upload(result.image)
            self.sequence = result.sequence  # the renderer's content_key: the app redraws for it

    def _upload(self, image: np.ndarray) -> None:
        if self.texture.size != (image.shape[1], image.shape[0]):
            self.texture.release()
            self.texture = self._make_texture(image)
        else:
            self.texture.write(image.tobytes())
        self.uploads += 1

    def uniforms(self, params: dict[str, float]) -> dict[str, object]:
        return print_uniforms(params, self.table, self.learned_ready, self.extent)

    def status_line(self, params: dict[str, float]) -> str | None:
        """What the print layer shows, for the HUD: 'print stripes > leopard 40% opacity 0.80', None when off."""
        opacity = float(params.get("print_opacity", 0.0))
        if opacity <= 0.0:
            return None
        a, b = resolve(self.table, params.get("print_a", 0)), resolve(self.table, params.get("print_b", 0))
        mix = float(params.get("print_mix", 0.0))
        names = a.name if a == b or mix <= 0.0 else f"{a.name} > {b.name} {mix:.0%}"
        if self.worker is not None and self.worker.failed and (a.learned is not None or b.learned is not None):
            state = " (worker failed)"
        elif (a.learned is not None or b.learned is not None) and not self.learned_ready:
            state = " (stylising)"
        else:
            state = ""
        return f"print {names} opacity {opacity:.2f}{state}"

    def release(self) -> None:
        if self.worker is not None:
            self.worker.stop()
        self.texture.release()


def start_prints(
    ctx: moderngl.Context,
    model_path: str | Path,
    prints_path: str | Path | None,
    size: int = WORKING_SIZE,
    threads: int | None = None,
    device: str | None = None,
    process: bool = True,
) -> PrintLayer:
    """A PrintLayer for the renderer, with a worker when the print file reads.

    A missing or broken print file is logged as one clear error and the layer keeps the procedural prints
    only: the show goes on without the learned prints. (A model or network the worker cannot load is
    reported by the worker the same way, a moment later.)
    """
    worker, names = None, ()
    if prints_path is not None:
        try:
            worker, names = start_worker(model_path, prints_path, threads, device, process)
        except Exception as exc:  # PrintFileError, ModelFileError, or torch failing on this machine
            log.error("learned prints off: %s", exc)
    layer = PrintLayer(ctx, names, worker, size)
    log.info("print slots: %s", ", ".join(f"{slot.index} {slot.name}" for slot in layer.table))
    return layer


def immediate_prints(
    ctx: moderngl.Context, model_path: str | Path, prints_path: str | Path, size: int = WORKING_SIZE, device=None
) -> PrintLayer:
    """A PrintLayer that stylises each frame before it is drawn (offline rendering: every frame shows its own
    print), torch in this process. Raises PrintFileError / ModelFileError for a bad file."""
    from performer.prints.stylise import load_stylise
    from performer.prints.worker import ImmediatePrintWorker

    stylise, names = load_stylise(model_path, prints_path, device)
    return PrintLayer(ctx, names, ImmediatePrintWorker(stylise), size)


def start_worker(model_path, prints_path, threads: int | None, device: str | None, process: bool = True):
    """Check the print file here (a clear error before anything starts), then start the worker: a process by
    default (see process_worker.py for why not a thread), where torch loads both files; or, with
    process=False, a thread in this process (torch here too)."""
    from performer.prints.files import read_print_header

    names = read_print_header(prints_path).names
    # The GL driver may be on the CPU too (llvmpipe): leave it the other half of the cores.
    threads = threads or max(1, (os.cpu_count() or 2) // 2)
    if process:
        from performer.prints.process_worker import ProcessPrintWorker

        worker = ProcessPrintWorker(model_path, prints_path, device or "auto", threads)
    else:
        import torch

        from performer.prints.stylise import load_stylise, pick_device

        device = pick_device(device)
        if device == "cpu":
            torch.set_num_threads(threads)
        worker = PrintWorker(load_stylise(model_path, prints_path, device)[0])
    kind, where = "process" if process else "thread", device or "auto"
    log.info("learned prints from %s: %s (worker: %s on %s)", prints_path, ", ".join(names), kind, where)
    return worker, names
