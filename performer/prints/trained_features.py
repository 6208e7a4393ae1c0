"""A loss network trained here: the random network's multi-scale shape, its filters learned as a texture
classifier on code-made patches (performer/prints/texture_patches.py), so its features tell round dots from
blotches and rosettes from a flat tan ground, and the Gram statistics of those features carry shape.

Shape: stages that each halve the resolution (average pooling) and apply a 5x5 convolution and a ReLU, as
RandomFeatures; the classifier head (every stage's per-channel mean and standard deviation, a linear layer)
is kept in the file but not used by the style loss. Training: Adam, cosine schedule, fresh patches every
step (nothing is seen twice), on the CPU.

The file is safetensors (float16 weights: half the size, and a loss network needs no more precision) with
JSON metadata; it is read through a size bound and checked layer by layer. Every problem is a FeatureError
of one line naming the file.
"""

from __future__ import annotations

import json
import logging
import struct
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from performer.prints.features import FeatureError, loss_network, multiscale_features
from performer.prints.texture_patches import CLASSES, patch_batch
from performer.safe_files import MB, FileTooLarge, atomic_path, read_bounded

log = logging.getLogger(__name__)

FORMAT = "performer-loss-net/1"
MAX_BYTES = 8 * MB  # the shipped file is about 1 MB
MAX_HEADER = 64 * 1024
WIDTHS = (32, 64, 96, 128)
KERNEL = 5


class TrainedFeatures(nn.Module):
    """Multi-scale conv features (finest first), usable wherever RandomFeatures is; `classify` for training."""

    CONTENT_STAGE = 1

    def __init__(self, widths: tuple[int, ...] = WIDTHS, kernel: int = KERNEL, classes: int = len(CLASSES)) -> None:
        super().__init__()
        self.widths, self.kernel = tuple(int(w) for w in widths), int(kernel)
        self.convs = nn.ModuleList()
        cin = 3
        for cout in self.widths:
            self.convs.append(nn.Conv2d(cin, cout, kernel, padding=kernel // 2, padding_mode="reflect"))
            nn.init.kaiming_normal_(self.convs[-1].weight, nonlinearity="relu")
            nn.init.zeros_(self.convs[-1].bias)
            cin = cout
        self.head = nn.Linear(2 * sum(self.widths), classes)

    def forward(self, image: torch.Tensor) -> list[torch.Tensor]:
        """image [B, 3, H, W] in 0..1 -> the ReLU features of every stage."""
        return multiscale_features(self.convs, image)

    def classify(self, image: torch.Tensor) -> torch.Tensor:
        stats = []
        for f in self.forward(image):
            stats += [f.mean(dim=(2, 3)), (f.var(dim=(2, 3), unbiased=False) + 1e-6).sqrt()]
        return self.head(torch.cat(stats, dim=1))


def choose_loss_network(vgg: str | Path | None = None, loss_net: str | Path | None = None) -> nn.Module:
    """VGG16 from a user's file, or the network trained here from `loss_net`, else the random network."""
    if vgg is not None and loss_net is not None:
        raise FeatureError(f"{vgg} and {loss_net}: give one loss network, --vgg or --loss-net")
    return load_loss_net(loss_net) if loss_net is not None else loss_network(vgg)


def train_step(net: TrainedFeatures, optimiser, images: torch.Tensor, labels: torch.Tensor) -> tuple[float, float]:
    """One Adam step of cross-entropy; (loss, accuracy) of the batch before the step."""
    logits = net.classify(images)
    loss = F.cross_entropy(logits, labels)
    optimiser.zero_grad(set_to_none=True)
    loss.backward()
    optimiser.step()
    return float(loss.detach()), float((logits.argmax(1) == labels).float().mean())


def accuracy(net: TrainedFeatures, images: torch.Tensor, labels: torch.Tensor) -> dict[str, float]:
    """Overall and per-class accuracy on a fixed batch."""
    with torch.no_grad():
        guess = torch.cat([net.classify(images[i : i + 128]).argmax(1) for i in range(0, len(images), 128)])
    right = guess == labels
    out = {"all": round(float(right.float().mean()), 3)}
    for k, name in enumerate(CLASSES):
        if (labels == k).any():
            out[name] = round(float(right[labels == k].float().mean()), 3)
    return out


def train_loss_net(
    steps: int = 1500,
    batch: int = 48,
    size: int = 64,
    lr: float = 2e-3,
    seed: int = 0,
    mnist: np.ndarray | None = None,
    held_out: int = 660,
    progress: bool = True,
) -> tuple[TrainedFeatures, dict]:
    """Train the classifier on fresh patches every step; (network in eval mode, training summary)."""
    from tqdm import tqdm

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    test_x, test_y = patch_batch(np.random.default_rng(seed + 10_000), held_out, size, mnist)
    test_x, test_y = torch.from_numpy(test_x), torch.from_numpy(test_y)
    net = TrainedFeatures()
    optimiser = torch.optim.Adam(net.parameters(), lr=lr)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=lr, total_steps=steps, pct_start=0.1)
    start, averages = time.perf_counter(), {}
    bar = tqdm(range(steps), desc="loss net", unit="step", disable=not progress)
    for _ in bar:
        x, y = patch_batch(rng, batch, size, mnist)
        loss, acc = train_step(net, optimiser, torch.from_numpy(x), torch.from_numpy(y))
        scheduler.step()
        for key, value in (("loss", loss), ("acc", acc)):
            averages[key] = 0.95 * averages.get(key, value) + 0.05 * value
        bar.set_postfix({k: f"{v:.3f}" for k, v in averages.items()})
    net.eval()
    info = {
        "steps": steps,
        "batch": batch,
        "patch_size": size,
        "lr": lr,
        "seed": seed,
        "seconds": round(time.perf_counter() - start, 1),
        "threads": torch.get_num_threads(),
        "final_train_loss": round(averages.get("loss", float("nan")), 4),
        "held_out_accuracy": accuracy(net, test_x, test_y),
        "held_out_patches": held_out,
        "classes": list(CLASSES),
        "fashion_mnist": mnist is not None,
    }
    return net.requires_grad_(False), info


def save_loss_net(path: str | Path, net: TrainedFeatures, info: dict) -> Path:
    from safetensors.torch import save_file

    path = Path(path)
    tensors = {k: v.detach().to("cpu", torch.float16).contiguous() for k, v in net.state_dict().items()}
    metadata = {
        "format": FORMAT,
        "config": json.dumps({"widths": list(net.widths), "kernel": net.kernel, "classes": list(CLASSES)}),
        "info": json.dumps(info),
    }
    with atomic_path(path, "loss network") as tmp:
        save_file(tensors, str(tmp), metadata=metadata)
    return path


def read_file(path: Path) -> tuple[dict, dict[str, torch.Tensor]]:
    """(metadata, tensors) of a bounded safetensors file; FeatureError naming the file otherwise."""
    from safetensors.torch import load

    if not path.is_file():
        raise FeatureError(f"{path}: no such loss-network file")
    try:
        data = read_bounded(path, MAX_BYTES, "loss-network")
    except FileTooLarge as exc:
        raise FeatureError(str(exc)) from None
    except (OSError, ValueError) as exc:
        raise FeatureError(f"{path}: cannot read ({exc})") from None
    if len(data) < 8:
        raise FeatureError(f"{path}: not a safetensors file ({len(data)} bytes)")
    (header_bytes,) = struct.unpack("<Q", data[:8])
    if header_bytes > min(MAX_HEADER, len(data) - 8):
        raise FeatureError(f"{path}: a {header_bytes}-byte header does not fit (at most {MAX_HEADER} in this file)")
    try:
        metadata = json.loads(data[8 : 8 + header_bytes]).get("__metadata__") or {}
        tensors = load(data)
    except Exception as exc:  # json and safetensors raise their own error types for garbage
        raise FeatureError(f"{path}: not a readable safetensors file ({str(exc).splitlines()[0]})") from None
    return metadata, tensors


def load_loss_net(path: str | Path) -> TrainedFeatures:
    """The trained loss network from `path`, frozen; FeatureError (one line, naming the file) otherwise."""
    path = Path(path)
    metadata, tensors = read_file(path)
    if metadata.get("format") != FORMAT:
        raise FeatureError(f"{path}: format is {metadata.get('format')!r}, expected {FORMAT!r}")
    try:
        config = json.loads(metadata["config"])
        net = TrainedFeatures(tuple(config["widths"]), int(config["kernel"]), len(config["classes"]))
    except (KeyError, TypeError, ValueError, RuntimeError) as exc:
        raise FeatureError(f"{path}: malformed loss-network config ({exc})") from None
    expected = net.state_dict()
    missing, unexpected = sorted(set(expected) - set(tensors)), sorted(set(tensors) - set(expected))
    if missing or unexpected:
        raise FeatureError(f"{path}: layers do not match: missing {missing[:4]}, unexpected {unexpected[:4]}")
    for key, value in tensors.items():
        if tuple(value.shape) != tuple(expected[key].shape):
            raise FeatureError(f"{path}: {key} is {tuple(value.shape)}, the config needs {tuple(expected[key].shape)}")
        if not value.is_floating_point() or not torch.isfinite(value).all():
            raise FeatureError(f"{path}: {key} is not finite floating point")
    net.load_state_dict({k: v.float() for k, v in tensors.items()})
    log.info("loss network: trained (%s)", path)
    return net.requires_grad_(False).eval()


def loss_net_info(path: str | Path) -> dict:
    """The training summary stored in the file's metadata."""
    return json.loads(read_file(Path(path))[0].get("info", "{}"))
