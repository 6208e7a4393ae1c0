"""The print network: a small feed-forward style network (Johnson et al. 2016) that holds several prints at
once through conditional instance normalisation (Dumoulin et al. 2017).

Every convolution is shared by all prints; each normalisation layer has one (scale, shift) pair per print.
Blending two prints is blending their pairs, so a fader moves continuously from one print to the other with
the same network and the same cost.

Sized for real time on a CPU (see PrintConfig.macs): two stride-2 convolutions bring the image to 1/4
resolution, where the residual blocks (the bulk of the work) run on 1/16 of the pixels; nearest-neighbour
upsampling plus a convolution (not transposed convolution) avoids checkerboard artefacts (Odena et al. 2016).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from performer.prints.config import PrintConfig  # in its own file so the live process reads it without torch


class ConditionalInstanceNorm(nn.Module):
    """Instance norm whose scale and shift are rows of a per-print table, chosen (or blended) per image."""

    def __init__(self, prints: int, channels: int) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.ones(prints, channels))
        self.shift = nn.Parameter(torch.zeros(prints, channels))

    def forward(self, x: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        """x [B, C, H, W]; weights [B, prints], each row sums to 1 (a one-hot row is a single print)."""
        x = F.instance_norm(x, eps=1e-5)
        scale = (weights @ self.scale)[:, :, None, None]
        shift = (weights @ self.shift)[:, :, None, None]
        return x * scale + shift


class ConvNorm(nn.Module):
    """Reflection-padded convolution, conditional instance norm, optional ReLU."""

    def __init__(self, prints: int, cin: int, cout: int, stride: int = 1, relu: bool = True) -> None:
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, stride=stride)
        self.norm = ConditionalInstanceNorm(prints, cout)
        self.relu = relu

    def forward(self, x: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        x = self.norm(self.conv(F.pad(x, (1, 1, 1, 1), mode="reflect")), weights)
        return F.relu(x) if self.relu else x


class Residual(nn.Module):
    def __init__(self, prints: int, channels: int) -> None:
        super().__init__()
        self.a = ConvNorm(prints, channels, channels)
        self.b = ConvNorm(prints, channels, channels, relu=False)

    def forward(self, x: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        return x + self.b(self.a(x, weights), weights)


class PrintNet(nn.Module):
    """image [B, in_channels, H, W] in 0..1 and print weights [B, prints] -> printed RGB [B, 3, H, W] in 0..1.

    H and W must be multiples of 4 (two stride-2 steps and back)."""

    def __init__(self, config: PrintConfig) -> None:
        super().__init__()
        self.config = config
        p, w = config.prints, config.width
        self.down1 = ConvNorm(p, config.in_channels + config.noise_channels, w, stride=2)
        self.down2 = ConvNorm(p, w, 2 * w, stride=2)
        self.blocks = nn.ModuleList(Residual(p, 2 * w) for _ in range(config.residual_blocks))
        self.up1 = ConvNorm(p, 2 * w, w)
        self.up2 = ConvNorm(p, w, w)
        self.out = nn.Conv2d(w, 3, 3)
        self._noise: dict[tuple, torch.Tensor] = {}

    def fixed_noise(self, height: int, width: int, device: torch.device) -> torch.Tensor:
        """The same noise for a given size every time (seeded), cached: [1, noise_channels, H, W]."""
        key = (height, width, str(device))
        if key not in self._noise:
            generator = torch.Generator().manual_seed(20160327)
            noise = torch.rand(1, self.config.noise_channels, height, width, generator=generator)
            self._noise[key] = noise.to(device)
        return self._noise[key]

    def forward(self, image: torch.Tensor, weights: torch.Tensor, noise: torch.Tensor | None = None) -> torch.Tensor:
        """noise [B or 1, noise_channels, H, W] in 0..1; None uses the fixed noise (live, stable frames)."""
        if image.shape[-1] % 4 or image.shape[-2] % 4:
            raise ValueError(f"image sides must be multiples of 4, got {tuple(image.shape[-2:])}")
        if self.config.noise_channels:
            if noise is None:
                noise = self.fixed_noise(image.shape[-2], image.shape[-1], image.device)
            image = torch.cat([image, noise.expand(image.shape[0], -1, -1, -1)], dim=1)
        x = self.down2(self.down1(image * 2.0 - 1.0, weights), weights)
        for block in self.blocks:
            x = block(x, weights)
        x = self.up1(F.interpolate(x, scale_factor=2.0, mode="nearest"), weights)
        x = self.up2(F.interpolate(x, scale_factor=2.0, mode="nearest"), weights)
        return torch.sigmoid(self.out(F.pad(x, (1, 1, 1, 1), mode="reflect")))

    def mix_weights(self, a: int, b: int, mix: float, batch: int = 1) -> torch.Tensor:
        """[batch, prints] weights for print a blended towards print b by mix (0 = all a, 1 = all b)."""
        count = self.config.prints
        for index in (a, b):
            if not 0 <= index < count:
                raise ValueError(f"print index must be 0..{count - 1}, got {index}")
        mix = min(max(float(mix), 0.0), 1.0)
        row = torch.zeros(count)
        row[a] += 1.0 - mix
        row[b] += mix
        return row.expand(batch, count).to(self.out.weight.device)
