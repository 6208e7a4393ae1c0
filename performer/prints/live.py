"""Prints in the live loop: the PrintLayer sits between the state, the print worker and the renderer.

It is an app input (update() once per frame: send the worker the newest request, upload the newest
stylised texture) and the renderer's print source (the texture and which slots are ready). The worker
stylises the garment in a fixed garment frame (zoom 1, pan 0, no rotation), and the shader samples that
texture at each pixel's garment coordinate, so zooming, panning and rotating move the print with the
garment on the very frame they happen, however far behind the worker is.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import moderngl
import numpy as np

from performer.prints.slots import Slot, print_uniforms, resolve, slots
from performer.prints.worker import PrintRequest, PrintWorker, Stylise
from performer.state import PerformanceState

log = logging.getLogger(__name__)

WORKING_SIZE = 256  # the garment frame's resolution at print_scale 1
MIN_SIZE, MAX_SIZE = 64, 512  # print_scale changes the working size: the network's print has a pixel scale


def working_size(base: int, scale: float) -> int:
    """A multiple of 4 (the network halves twice) near base * scale, within MIN_SIZE..MAX_SIZE."""
    return int(min(max(round(base * scale / 4.0) * 4, MIN_SIZE), MAX_SIZE))


class PrintLayer:
    def __init__(self, ctx: moderngl.Context, names: tuple[str, ...] = (), worker: PrintWorker | None = None,
                 size: int = WORKING_SIZE, extent: float = 1.0) -> None:
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
            self.sequence = result.sequence
            state.version += 1  # what the frame shows changed: the app redraws only on a new version

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


def make_stylise(generator, net, extent: float = 1.0) -> Stylise:
    """The worker's job: render the CPPN (torch) in the garment frame, then print it. Torch lives here only."""
    import torch

    from performer.model.cppn import coordinate_grid

    coords: dict[int, torch.Tensor] = {}
    device = net.out.weight.device

    def stylise(request: PrintRequest) -> np.ndarray:
        size = request.size
        if size not in coords:
            coords[size] = coordinate_grid(size, size, generator.config.coord_scale, zoom=1.0 / extent,
                                           device=device)
        with torch.inference_mode():
            z = torch.tensor(request.z, dtype=torch.float32, device=device)[None]
            pixels = generator(z, coords[size])  # [1, P, C]
            grey = pixels.transpose(1, 2).reshape(1, -1, size, size)
            if grey.shape[1] != net.config.in_channels:
                grey = grey.mean(dim=1, keepdim=True).expand(-1, net.config.in_channels, -1, -1)
            out = net(grey, net.mix_weights(request.a, request.b, request.mix))
            return (out[0].permute(1, 2, 0) * 255.0 + 0.5).clamp(0, 255).to(torch.uint8).cpu().numpy()

    return stylise


def attach_prints(renderer, model_path: str | Path, prints_path: str | Path | None, size: int = WORKING_SIZE,
                  threads: int | None = None, device: str | None = None, process: bool = True) -> PrintLayer:
    """A PrintLayer on `renderer` (renderer.prints), with a worker when the print file loads.

    A missing or broken print file (or model) is logged as one clear error and the layer keeps the
    procedural prints only: the show goes on without the learned prints.
    """
    worker, names = None, ()
    if prints_path is not None:
        try:
            worker, names = start_worker(model_path, prints_path, threads, device, process)
        except Exception as exc:  # PrintFileError, ModelFileError, or torch failing on this machine
            log.error("learned prints off: %s", exc)
    layer = PrintLayer(renderer.ctx, names, worker, size)
    renderer.prints = layer
    log.info("print slots: %s", ", ".join(f"{slot.index} {slot.name}" for slot in layer.table))
    return layer


def immediate_prints(renderer, model_path: str | Path, prints_path: str | Path, size: int = WORKING_SIZE,
                     device: str | None = None) -> PrintLayer:
    """A PrintLayer on `renderer` that stylises each frame before it is drawn (offline rendering: every frame
    shows its own print). Raises PrintFileError / ModelFileError for a bad file."""
    import torch

    from performer.model.checkpoint import load_model
    from performer.prints.files import load_prints
    from performer.prints.worker import ImmediatePrintWorker

    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    prints = load_prints(prints_path, device)
    model = load_model(model_path, device)
    worker = ImmediatePrintWorker(make_stylise(model.generator.to(device), prints.net.to(device)))
    layer = PrintLayer(renderer.ctx, prints.names, worker, size)
    renderer.prints = layer
    return layer


def start_worker(model_path, prints_path, threads: int | None, device: str | None, process: bool = True):
    """Validate both files here (clear errors before anything starts), then start the worker: a process
    by default (see process_worker.py for why not a thread), or a thread in this process."""
    import torch

    from performer.model.checkpoint import load_model
    from performer.prints.files import load_prints

    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    prints = load_prints(prints_path, "cpu")
    model = load_model(model_path, "cpu")
    # The GL driver may be on the CPU too (llvmpipe): leave it the other half of the cores.
    threads = threads or max(1, (os.cpu_count() or 2) // 2)
    if process:
        from performer.prints.process_worker import ProcessPrintWorker

        worker = ProcessPrintWorker(model_path, prints_path, device, threads)
    else:
        if device == "cpu":
            torch.set_num_threads(threads)
        worker = PrintWorker(make_stylise(model.generator.to(device), prints.net.to(device)))
    log.info("learned prints from %s: %s (worker: %s on %s)", prints.path, ", ".join(prints.names),
             "process" if process else "thread", device)
    return worker, prints.names
