"""The loss network: features whose Gram matrices carry a print's texture statistics.

Pretrained ImageNet weights cannot be downloaded here, so the default is a fixed random-weight network:
random convolutional filters already capture texture statistics well enough to synthesise textures
(Ustyuzhaninov et al. 2016, "Texture synthesis using shallow convolutional networks with random filters")
and to transfer style (He, Wang and Hopcroft 2016, random-weight VGG). Several scales matter more than
depth there, so this network is shallow and multi-scale: each stage halves the resolution and adds a bank
of random filters, and the Gram matrix of every stage is a style feature.

A user who already has torchvision's VGG16 weights can pass them (`--vgg PATH`): loaded without pickle
(safetensors) or with torch.load(weights_only=True), and checked layer by layer against the architecture.
"""

from __future__ import annotations

import logging
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F

log = logging.getLogger(__name__)


class FeatureError(Exception):
    """A loss-network weights file that cannot be used; the message names the file and the reason."""


def gram(features: torch.Tensor) -> torch.Tensor:
    """[B, C, H, W] -> [B, C, C], normalised by C*H*W so that the resolution does not set the scale."""
    b, c, h, w = features.shape
    flat = features.reshape(b, c, h * w)
    return flat @ flat.transpose(1, 2) / (c * h * w)


def multiscale_features(convs: nn.ModuleList, image: torch.Tensor) -> list[torch.Tensor]:
    """image [B, 3, H, W] in 0..1 -> the ReLU output of every stage; each stage after the first halves the
    resolution (average pooling) before its convolution. The random and the trained loss networks share it."""
    x = image * 2.0 - 1.0
    out = []
    for index, conv in enumerate(convs):
        if index:
            x = F.avg_pool2d(x, 2)
        x = F.relu(conv(x))
        out.append(x)
    return out


class RandomFeatures(nn.Module):
    """A fixed random multi-scale network. Returns the ReLU features of each stage (finest first).

    Filters are zero-mean (so a flat colour change does not swamp the texture terms) and scaled to keep
    the activations' variance roughly constant through the stages (He initialisation).
    """

    CONTENT_STAGE = 1

    def __init__(self, seed: int = 1234, widths: tuple[int, ...] = (32, 64, 128, 128), kernel: int = 5) -> None:
        super().__init__()
        generator = torch.Generator().manual_seed(seed)
        self.convs = nn.ModuleList()
        cin = 3
        for cout in widths:
            conv = nn.Conv2d(cin, cout, kernel, padding=kernel // 2, padding_mode="reflect")
            weight = torch.randn(cout, cin, kernel, kernel, generator=generator)
            weight -= weight.mean(dim=(1, 2, 3), keepdim=True)
            weight *= (2.0 / (cin * kernel * kernel)) ** 0.5
            with torch.no_grad():
                conv.weight.copy_(weight)
                conv.bias.zero_()
            self.convs.append(conv)
            cin = cout
        self.requires_grad_(False)
        self.eval()

    def forward(self, image: torch.Tensor) -> list[torch.Tensor]:
        """image [B, 3, H, W] in 0..1 -> features of every stage."""
        return multiscale_features(self.convs, image)


# torchvision's vgg16().features: conv channel widths, "M" = max pool. Indices in the state dict follow
# the Sequential (conv, ReLU, ... , MaxPool), so conv k has key features.{index}.weight.
VGG16_LAYOUT = (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512)
VGG_STYLE_LAYERS = (3, 8, 15, 22)  # relu1_2, relu2_2, relu3_3, relu4_3 (Johnson et al. 2016)
VGG_CONTENT_INDEX = 1  # relu2_2 among the style layers
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class VGG16Features(nn.Module):
    """VGG16's convolutional trunk up to relu4_3, with the torchvision state-dict layout."""

    CONTENT_STAGE = VGG_CONTENT_INDEX

    def __init__(self) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        cin = 3
        for item in VGG16_LAYOUT:
            if item == "M":
                layers.append(nn.MaxPool2d(2, 2))
            else:
                layers += [nn.Conv2d(cin, int(item), 3, padding=1), nn.ReLU(inplace=False)]
                cin = int(item)
        self.features = nn.Sequential(*layers)
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1))

    def forward(self, image: torch.Tensor) -> list[torch.Tensor]:
        x = (image - self.mean) / self.std
        out = []
        for index, layer in enumerate(self.features):
            x = layer(x)
            if index in VGG_STYLE_LAYERS:
                out.append(x)
        return out


def read_weights(path: Path) -> dict[str, torch.Tensor]:
    """A state dict from safetensors, or from torch.load with weights_only=True (no arbitrary pickles)."""
    if not path.is_file():
        raise FeatureError(f"{path}: no such VGG16 weights file")
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file

        try:
            return load_file(str(path))
        except Exception as exc:  # safetensors raises its own error types for bad files
            raise FeatureError(f"{path}: not a readable safetensors file ({exc})") from exc
    try:
        data = torch.load(str(path), map_location="cpu", weights_only=True)
    except Exception as exc:  # weights_only refuses pickled code; a truncated file raises various errors
        raise FeatureError(f"{path}: not a loadable torch state dict with weights_only=True ({exc})") from exc
    if not isinstance(data, dict):
        raise FeatureError(f"{path}: expected a state dict (name -> tensor), got {type(data).__name__}")
    return data


def load_vgg16(path: str | Path) -> VGG16Features:
    """torchvision's VGG16 weights (the whole model's or just `features.*`) as a frozen feature network."""
    path = Path(path)
    state = read_weights(path)
    net = VGG16Features()
    expected = {k: v for k, v in net.state_dict().items() if k.startswith("features.")}
    found = {k: v for k, v in state.items() if k in expected}
    missing = sorted(set(expected) - set(found))
    if missing:
        raise FeatureError(f"{path}: not torchvision VGG16 weights: missing {missing[:4]} (of {len(missing)})")
    for key, value in found.items():
        if not isinstance(value, torch.Tensor) or tuple(value.shape) != tuple(expected[key].shape):
            shape = tuple(value.shape) if isinstance(value, torch.Tensor) else type(value).__name__
            raise FeatureError(f"{path}: {key} is {shape}, VGG16 needs {tuple(expected[key].shape)}")
        if not torch.isfinite(value).all():
            raise FeatureError(f"{path}: {key} holds NaN or infinite values")
    net.load_state_dict({**net.state_dict(), **{k: v.float() for k, v in found.items()}})
    net.requires_grad_(False)
    log.info("loss network: VGG16 from %s", path)
    return net.eval()


def loss_network(vgg: str | Path | None = None, seed: int = 1234) -> nn.Module:
    """VGG16 from a user's file if given, else the random multi-scale network."""
    if vgg is not None:
        return load_vgg16(vgg)
    log.info("loss network: random multi-scale features (seed %d)", seed)
    return RandomFeatures(seed)
