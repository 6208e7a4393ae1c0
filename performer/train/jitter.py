"""Sub-pixel jitter: each step renders the garment at coordinates shifted by up to half a pixel and asks for
the real image resampled at the same points.

Trained only at the 28x28 pixel centres, the CPPN is free between them, and what it puts there shows the
moment the show renders larger than 28 pixels: a dark "keyhole" in the chest of every top at 64x64 that
no 28x28 measure sees. Jitter makes every point of the garment a training point, but its targets are the
real images resampled, which a half-pixel shift blurs, and the blur reaches the 28x28 render too. The
between-pixel term instead asks the CPPN, at a random sub-pixel offset, for its own 28x28 render resampled
there: nothing drawn between the pixel centres that the pixels do not show, while the pixels keep their
sharp real targets.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

from performer.model.cppn import coordinate_grid
from performer.train.config import TrainConfig


def jittered_view(
    real: torch.Tensor, coord_scale: float, resample: str = "bilinear", padding: str = "zeros", reach: float = 0.5
) -> tuple[torch.Tensor, torch.Tensor]:
    """real [B, C, S, S] -> (coords [S*S, 3] shifted by one random sub-pixel offset, the real images
    resampled at those points [B, C, S, S]; outside the image is background, 0). Bilinear resampling
    blurs the targets a little (a half-pixel shift averages two pixels); bicubic keeps more of their edges,
    clamped to [0, 1] because it overshoots. padding="border" holds the edge pixels' values beyond them."""
    batch, _, size, _ = real.shape
    # up to `reach` of a pixel each way (half: every point of the cell), in garment units (2 / size a pixel)
    shift = (torch.rand(2) - 0.5) * (2.0 * reach) * (2.0 / size)
    coords = coordinate_grid(size, size, coord_scale, pan=(float(shift[0]), float(shift[1])), device=real.device)
    # Garment units are grid_sample's normalised coordinates: the image spans [-1, 1] at its pixel edges
    # (align_corners=False) and y grows downwards in both.
    grid = (coords[:, :2] / coord_scale).reshape(1, size, size, 2).expand(batch, -1, -1, -1)
    target = F.grid_sample(real, grid, mode=resample, padding_mode=padding, align_corners=False)
    return coords, target.clamp(0.0, 1.0)


def training_view(
    real: torch.Tensor, grid: torch.Tensor, coord_scale: float, train: TrainConfig, spent: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """A step's (coords, targets): jittered when the config jitters at `spent` of the budget, else the training
    grid and the images."""
    if not train.jitter_on(spent):
        return grid, real
    return jittered_view(real, coord_scale, train.jitter_resample, reach=train.jitter_reach)


def flat_where(real: torch.Tensor, spread: float) -> torch.Tensor:
    """real [B, C, S, S] -> [B, 1, S, S]: 1 where every channel of the pixel's 3x3 neighbourhood lies within
    `spread`, else 0 (the bench's flat-region row asks the same of the 28x28 render)."""
    highest = F.max_pool2d(real, 3, stride=1, padding=1)
    lowest = -F.max_pool2d(-real, 3, stride=1, padding=1)
    return ((highest - lowest).amax(1, keepdim=True) <= spread).to(real.dtype)


def between_pixel_loss(
    generate: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    z: torch.Tensor,
    render: torch.Tensor,
    coord_scale: float,
    real: torch.Tensor | None = None,
    flat_spread: float = 0.0,
) -> torch.Tensor:
    """Summed squared difference, per image, between G(z) rendered at one random sub-pixel offset and its
    on-grid `render` [B, C, S, S] resampled bilinearly there (held at the edges, and detached: the pixels
    answer to the real images, only what lies between them answers to the pixels). With `flat_spread` > 0,
    only where the `real` images are flat: the mask is resampled with the render, so it fades across a
    cell that reaches an edge."""
    channels = render.shape[1]
    view = render.detach()
    if flat_spread > 0:
        view = torch.cat([view, flat_where(real, flat_spread)], dim=1)
    coords, target = jittered_view(view, coord_scale, "bilinear", padding="border")
    difference = (generate(z, coords) - target[:, :channels]).pow(2)
    if flat_spread > 0:
        difference = difference * target[:, channels:]
    return difference.sum() / z.shape[0]
