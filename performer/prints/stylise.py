"""The print worker's job, with torch: render the CPPN in the garment frame, then run the print network on it.
Only the print worker (its own process, or a thread for `performer render`) imports this module."""

from __future__ import annotations

import numpy as np
import torch

from performer.model.cppn import coordinate_grid
from performer.prints.worker import PrintRequest, Stylise


def make_stylise(generator, net, extent: float = 1.0) -> Stylise:
    coords: dict[int, torch.Tensor] = {}
    device = net.out.weight.device

    def stylise(request: PrintRequest) -> np.ndarray:
        size = request.size
        if size not in coords:
            scale = generator.config.coord_scale
            coords[size] = coordinate_grid(size, size, scale, zoom=1.0 / extent, device=device)
        with torch.inference_mode():
            z = torch.tensor(request.z, dtype=torch.float32, device=device)[None]
            pixels = generator(z, coords[size])  # [1, P, C]
            grey = pixels.transpose(1, 2).reshape(1, -1, size, size)
            if grey.shape[1] != net.config.in_channels:
                grey = grey.mean(dim=1, keepdim=True).expand(-1, net.config.in_channels, -1, -1)
            out = net(grey, net.mix_weights(request.a, request.b, request.mix))
            return (out[0].permute(1, 2, 0) * 255.0 + 0.5).clamp(0, 255).to(torch.uint8).cpu().numpy()

    return stylise


def pick_device(device: str | None) -> str:
    """'auto' (or None): CUDA when there is one, else the CPU."""
    if device in (None, "auto"):
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


def load_stylise(model_path, prints_path, device: str | None = "cpu") -> tuple[Stylise, tuple[str, ...]]:
    """Both files loaded with torch (ModelFileError / PrintFileError for a bad one) and the stylise function."""
    from performer.model.checkpoint import load_model
    from performer.prints.files import load_prints

    device = pick_device(device)
    prints = load_prints(prints_path, device)
    model = load_model(model_path, device)
    return make_stylise(model.generator.to(device), prints.net.to(device)), prints.names
