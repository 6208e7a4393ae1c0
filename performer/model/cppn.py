"""The CPPN generator: f(x, y, r, z) -> pixel, evaluated at any resolution and aspect.

The GLSL renderer (shaders/cppn.glsl) evaluates exactly this network per pixel; coordinate_grid() is the
reference for its coordinate convention, so keep the two in step.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from performer.model.config import ModelConfig


def coordinate_grid(
    width: int,
    height: int,
    coord_scale: float,
    zoom: float = 1.0,
    pan: tuple[float, float] = (0.0, 0.0),
    rotation: float = 0.0,
    device: torch.device | str | None = None,
) -> torch.Tensor:
    """CPPN inputs (x, y, r) for every pixel centre, row-major from the top-left.  Returns [H*W, 3].

    The shorter side of the image spans [-1, 1] (at pixel edges) so the garment keeps its size and a wide
    frame shows more of the space around it. y grows downwards (image rows). The view transform is:
    rotate by `rotation` radians, divide by `zoom`, add `pan`, then multiply by coord_scale.
    """
    if width < 1 or height < 1:
        raise ValueError(f"image size must be at least 1x1, got {width}x{height}")
    short = min(width, height)
    u = (torch.arange(width, dtype=torch.float32, device=device) + 0.5) * (2.0 / short) - width / short
    v = (torch.arange(height, dtype=torch.float32, device=device) + 0.5) * (2.0 / short) - height / short
    y, x = torch.meshgrid(v, u, indexing="ij")  # [H, W] each
    c, s = math.cos(rotation), math.sin(rotation)
    xr = (c * x - s * y) / zoom + pan[0]
    yr = (s * x + c * y) / zoom + pan[1]
    xs, ys = xr * coord_scale, yr * coord_scale
    r = torch.sqrt(xs * xs + ys * ys)
    return torch.stack([xs, ys, r], dim=-1).reshape(-1, 3)


SINE_INIT_FREQUENCY = 6.0  # radians per coordinate unit: the highest starting stripe frequency of a sine unit


def layer0_activation(pre: torch.Tensor, sine_units: int) -> torch.Tensor:
    """Layer 0's activation: sin on the first `sine_units` units, tanh on the rest (shaders do the same)."""
    if not sine_units:
        return torch.tanh(pre)
    return torch.cat([torch.sin(pre[..., :sine_units]), torch.tanh(pre[..., sine_units:])], dim=-1)


def layer0(coord: torch.Tensor, gain: torch.Tensor | None, bias: torch.Tensor, sine_units: int) -> torch.Tensor:
    """Layer 0 for a batch: act(gain * coord + bias) with coord [P, H] (W x, the same for every image),
    gain and bias [B, H] (per image; gain None = 1) -> [B, P, H]. The same as layer0_activation on the whole
    pre-activation, but the sine and tanh units are split while the tensors are small ([P, H], [B, H]):
    slicing the [B, P, H] pre-activation instead makes sin, tanh and their gradients run on strided memory,
    which made a training step 25% slower on CPU."""
    parts = []
    for units, activation in ((slice(0, sine_units), torch.sin), (slice(sine_units, None), torch.tanh)):
        if units.start == units.stop:
            continue
        pre = coord[:, units].unsqueeze(0)
        pre = pre * gain[:, units].unsqueeze(1) if gain is not None else pre
        part = activation(pre + bias[:, units].unsqueeze(1))
        if part.shape[-1]:
            parts.append(part)
    return parts[0] if len(parts) == 1 else torch.cat(parts, dim=-1)


class CPPN(nn.Module):
    """tanh MLP on (x, y, r) plus a per-image latent bias; sigmoid output in [0, 1]. Optionally the first
    units of layer 0 are sines (ModelConfig.cppn_sine_units), and z reaches the per-image terms through a
    mapping m = tanh(A z + a) (ModelConfig.latent_mapping)."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        h = config.cppn_hidden
        self.coord = nn.Linear(3, h, bias=False)
        code = config.latent_code_dim  # what the per-frame terms read: z, or the mapping's m = tanh(A z + a)
        if config.latent_mapping:
            self.mapping = nn.Linear(config.latent_dim, config.latent_mapping)
            # Pre-activations about N(0, 1) for z ~ N(0, I): tanh starts in its curved range, not linear nor sign.
            nn.init.normal_(self.mapping.weight, std=config.latent_dim**-0.5)
        # The latent enters as a bias of layer 0: one matrix-vector product per image, none per pixel.
        self.latent = nn.Linear(code, h)
        self.hidden = nn.ModuleList(nn.Linear(h, h) for _ in range(config.cppn_depth - 1))
        self.out = nn.Linear(h, config.channels)
        if config.cppn_sine_units:
            # Frequencies spread evenly up to a few stripes across the garment; training moves them.
            with torch.no_grad():
                self.coord.weight[: config.cppn_sine_units].uniform_(-SINE_INIT_FREQUENCY, SINE_INIT_FREQUENCY)
                self.latent.bias[: config.cppn_sine_units].uniform_(-math.pi, math.pi)  # every phase
        if config.latent_film:
            depth, dim = config.cppn_depth, code
            self.latent_gain = nn.ModuleList(nn.Linear(dim, h) for _ in range(depth))  # gain = 1 + this
            self.latent_bias = nn.ModuleList(nn.Linear(dim, h) for _ in range(depth - 1))
            for layer in self.latent_gain:  # start as the plain CPPN: gain 1
                nn.init.normal_(layer.weight, std=0.01)
                nn.init.zeros_(layer.bias)
        if config.weight_modulation:
            size, layers = h * config.weight_modulation, config.cppn_depth - 1
            self.modulation_rows = nn.ModuleList(nn.Linear(code, size) for _ in range(layers))
            self.modulation_cols = nn.ModuleList(nn.Linear(code, size) for _ in range(layers))
            for layer in self.modulation_cols:  # A B^T = 0: training starts from the unmodulated network,
                nn.init.zeros_(layer.weight)  # and with A not zero, B still gets a gradient
                nn.init.zeros_(layer.bias)

    def latent_code(self, z: torch.Tensor) -> torch.Tensor:
        """What the per-frame terms read, [B, latent_code_dim]: tanh(mapping(z)) with a mapping, else z itself."""
        return torch.tanh(self.mapping(z)) if self.config.latent_mapping else z

    def frame_terms(self, z: torch.Tensor) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
        """Per-image (not per-pixel) terms: gains [depth x [B, H]] and biases [depth x [B, H]].

        Without FiLM the gains are 1 and only layer 0 has a latent bias. The shader receives exactly these.
        """
        ones = torch.ones(z.shape[0], self.config.cppn_hidden, device=z.device)
        code = self.latent_code(z)
        if not self.config.latent_film:
            zeros = torch.zeros_like(ones)
            return [ones] * self.config.cppn_depth, [self.latent(code)] + [zeros] * (self.config.cppn_depth - 1)
        gains = [1.0 + layer(code) for layer in self.latent_gain]
        biases = [self.latent(code)] + [layer(code) for layer in self.latent_bias]
        return gains, biases

    def frame_weights(self, z: torch.Tensor) -> list[torch.Tensor]:
        """Per-image hidden matrices with weight modulation: W_l * (1 + A_l B_l^T), depth - 1 x [B, H, H]."""
        code, h, rank = self.latent_code(z), self.config.cppn_hidden, self.config.weight_modulation
        weights = []
        for layer, rows, cols in zip(self.hidden, self.modulation_rows, self.modulation_cols, strict=True):
            a, b = rows(code).view(-1, h, rank), cols(code).view(-1, h, rank)
            weights.append(layer.weight * (1.0 + a @ b.transpose(1, 2)))
        return weights

    def forward(self, z: torch.Tensor, coords: torch.Tensor) -> torch.Tensor:
        """z [B, latent_dim], coords [P, 3] -> pixels [B, P, channels] in [0, 1]."""
        sine = self.config.cppn_sine_units
        if self.config.weight_modulation:
            gains, biases = self.frame_terms(z)
            h = layer0(self.coord(coords), gains[0], biases[0], sine)
            for layer, weight, gain, bias in zip(
                self.hidden, self.frame_weights(z), gains[1:], biases[1:], strict=True
            ):
                pre = torch.bmm(h, weight.transpose(1, 2)) + layer.bias
                h = torch.tanh(gain.unsqueeze(1) * pre + bias.unsqueeze(1))
            return torch.sigmoid(self.out(h))
        if not self.config.latent_film:
            h = layer0(self.coord(coords), None, self.latent(self.latent_code(z)), sine)  # [B, P, H]
            for layer in self.hidden:
                h = torch.tanh(layer(h))
            return torch.sigmoid(self.out(h))
        gains, biases = self.frame_terms(z)  # each [B, H]
        h = layer0(self.coord(coords), gains[0], biases[0], sine)
        for layer, gain, bias in zip(self.hidden, gains[1:], biases[1:], strict=True):
            h = torch.tanh(gain.unsqueeze(1) * layer(h) + bias.unsqueeze(1))  # [B, P, H]
        return torch.sigmoid(self.out(h))

    def render(
        self,
        z: torch.Tensor,
        width: int,
        height: int | None = None,
        zoom: float = 1.0,
        pan: tuple[float, float] = (0.0, 0.0),
        rotation: float = 0.0,
        chunk_pixels: int = 1 << 16,
    ) -> torch.Tensor:
        """z [B, latent_dim] -> images [B, channels, height, width]; chunks pixels to bound memory at 4K."""
        height = width if height is None else height
        coords = coordinate_grid(width, height, self.config.coord_scale, zoom, pan, rotation, device=z.device)
        parts = [self(z, coords[i : i + chunk_pixels]) for i in range(0, coords.shape[0], chunk_pixels)]
        pixels = torch.cat(parts, dim=1)  # [B, H*W, C]
        return pixels.transpose(1, 2).reshape(z.shape[0], self.config.channels, height, width)


class Encoder(nn.Module):
    """VAE encoder: image [B, C, S, S] -> (mean, logvar) of q(z|x), each [B, latent_dim]."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        w = config.encoder_width
        self.features = nn.Sequential(
            nn.Conv2d(config.channels, w, 4, stride=2, padding=1),  # 28 -> 14
            nn.LeakyReLU(0.2),
            nn.Conv2d(w, 2 * w, 4, stride=2, padding=1),  # 14 -> 7
            nn.LeakyReLU(0.2),
            nn.Conv2d(2 * w, 4 * w, 3, stride=2, padding=1),  # 7 -> 4
            nn.LeakyReLU(0.2),
            nn.AdaptiveAvgPool2d(4),  # any training size -> 4x4
            nn.Flatten(),
        )
        self.head = nn.Linear(4 * w * 16, 2 * config.latent_dim)

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mean, logvar = self.head(self.features(images)).chunk(2, dim=1)
        return mean, logvar.clamp(-12.0, 6.0)


class Discriminator(nn.Module):
    """Spectrally normalised conv critic for the hinge loss: image [B, C, S, S] -> score [B]."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        d = config.discriminator_width
        sn = nn.utils.parametrizations.spectral_norm
        self.net = nn.Sequential(
            sn(nn.Conv2d(config.channels, d, 4, stride=2, padding=1)),
            nn.LeakyReLU(0.2),
            sn(nn.Conv2d(d, 2 * d, 4, stride=2, padding=1)),
            nn.LeakyReLU(0.2),
            sn(nn.Conv2d(2 * d, 2 * d, 3, stride=1, padding=1)),
            nn.LeakyReLU(0.2),
            nn.AdaptiveAvgPool2d(4),
            nn.Flatten(),
            sn(nn.Linear(2 * d * 16, 1)),
        )

    FEATURE_LAYERS = 6  # the third convolution's activations [B, 2d, 7, 7]: what feature reconstruction compares

    def features(self, images: torch.Tensor) -> torch.Tensor:
        return self.net[: self.FEATURE_LAYERS](images)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.net(images).squeeze(1)
