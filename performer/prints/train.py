"""Training the print network: every print at once, on garments the CPPN itself draws plus Fashion-MNIST.

Each step takes a batch of content images, gives each one a random print, and asks the network's output
to keep the content's features (so folds and edges stay) while matching that print's Gram matrices in the
loss network (so the print's texture statistics appear). The Gram and content terms are relative errors
(divided by the target's own size), so every layer and every print counts about equally whatever its
magnitude, and one set of weights works for the random and the VGG16 loss networks.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F
from tqdm import tqdm

from performer.prints.features import gram
from performer.prints.files import save_prints
from performer.prints.network import PrintConfig, PrintNet
from performer.prints.trained_features import choose_loss_network

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainPrintsConfig:
    epochs: int = 8
    steps_per_epoch: int = 200
    batch: int = 4
    size: int = 128  # training resolution (multiple of 4)
    lr: float = 2e-3
    style_weight: float = 1.0
    content_weight: float = 0.1
    tv_weight: float = 1e-3
    cppn_fraction: float = 0.6  # share of content images drawn by the CPPN; the rest are Fashion-MNIST
    cppn_pool: int = 256  # CPPN images rendered once at the start (rendering every step would dominate)
    seed: int = 0
    width: int = 16
    residual_blocks: int = 3

    def __post_init__(self) -> None:
        if self.size % 4 or not 16 <= self.size <= 1024:
            raise ValueError(f"size must be a multiple of 4 in 16..1024, got {self.size}")
        for name in ("epochs", "steps_per_epoch", "batch", "cppn_pool"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if not 0.0 <= self.cppn_fraction <= 1.0:
            raise ValueError(f"cppn_fraction must be in 0..1, got {self.cppn_fraction}")


class ContentSource:
    """Grey content images [B, 1, S, S] in 0..1: CPPN garments at prior z, and upscaled Fashion-MNIST."""

    def __init__(
        self, size: int, cppn_images: torch.Tensor | None, mnist: np.ndarray | None, cppn_fraction: float, seed: int
    ) -> None:
        if cppn_images is None and mnist is None:
            raise ValueError("no content images: need a CPPN model or Fashion-MNIST")
        self.size, self.cppn, self.mnist = size, cppn_images, mnist
        self.fraction = cppn_fraction if mnist is not None else 1.0
        self.fraction = self.fraction if cppn_images is not None else 0.0
        self.rng = np.random.default_rng(seed)

    def batch(self, count: int) -> torch.Tensor:
        images = []
        for _ in range(count):
            if self.rng.random() < self.fraction:
                image = self.cppn[self.rng.integers(len(self.cppn))]
            else:
                raw = torch.from_numpy(self.mnist[self.rng.integers(len(self.mnist))].astype(np.float32) / 255.0)
                image = F.interpolate(
                    raw[None, None], size=(self.size, self.size), mode="bicubic", align_corners=False
                )[0].clamp(0, 1)
            if self.rng.random() < 0.5:
                image = image.flip(-1)
            images.append(image)
        return torch.stack(images)


def render_cppn_pool(model_path: Path, count: int, size: int, seed: int) -> torch.Tensor:
    """Garments at prior samples of z, rendered by the torch CPPN in the garment frame (zoom 1, pan 0)."""
    from performer.model.checkpoint import load_model

    generator = load_model(model_path).generator
    torch.manual_seed(seed)
    z = torch.randn(count, generator.config.latent_dim)
    with torch.no_grad():
        parts = [generator.render(z[i : i + 16], size, size) for i in range(0, count, 16)]
    images = torch.cat(parts)
    if images.shape[1] == 3:
        images = images.mean(dim=1, keepdim=True)  # the print network reads the garment's grey level
    return images


def load_style(path_or_name: str, size: int) -> tuple[str, torch.Tensor]:
    """'procedural:NAME' or an image file -> (print name, [1, 3, size, size] in 0..1)."""
    from performer.prints.procedural_styles import style_image

    if path_or_name.startswith("procedural:"):
        name = path_or_name.split(":", 1)[1]
        array = style_image(name, 256)
    else:
        import imageio.v3 as iio

        path = Path(path_or_name)
        name = path.stem
        try:
            array = iio.imread(path)
        except (OSError, ValueError) as exc:
            raise ValueError(f"{path}: cannot read style image ({exc})") from exc
        array = np.asarray(array, dtype=np.float32)
        array = array / (65535.0 if array.max() > 255 else 255.0)
        if array.ndim == 2:
            array = np.repeat(array[..., None], 3, axis=-1)
        array = array[..., :3]
    image = torch.from_numpy(np.ascontiguousarray(array)).permute(2, 0, 1)[None].float()
    short = min(image.shape[-2:])
    top, left = (image.shape[-2] - short) // 2, (image.shape[-1] - short) // 2
    image = image[..., top : top + short, left : left + short]
    image = F.interpolate(image, size=(size, size), mode="area" if short > size else "bilinear")
    return name.replace(":", "_"), image.clamp(0, 1)


def describe_loss_network(vgg: Path | None, loss_net: Path | None) -> str:
    """The training summary's words for its loss network; style_report reads a trained one's path back."""
    if vgg:
        return f"vgg16 ({vgg.name})"
    return f"trained ({loss_net})" if loss_net else "random multi-scale (seed 1234)"


def total_variation(image: torch.Tensor) -> torch.Tensor:
    return (image[..., 1:, :] - image[..., :-1, :]).abs().mean() + (image[..., :, 1:] - image[..., :, :-1]).abs().mean()


class PrintLoss:
    """Style (Gram) and content terms against a fixed loss network, with each print's Grams precomputed."""

    def __init__(self, features: torch.nn.Module, styles: torch.Tensor, config: TrainPrintsConfig) -> None:
        self.features, self.config = features, config
        with torch.no_grad():
            # The pixels themselves are the first "feature": their 3x3 Gram pins the print's colours, which
            # random filters (zero-mean, so blind to flat colour) see only through edges.
            self.style_grams = [gram(styles)] + [gram(f) for f in features(styles)]  # each [prints, C, C]
        self.content_stage = int(features.CONTENT_STAGE)

    def __call__(self, output: torch.Tensor, content: torch.Tensor, which: torch.Tensor) -> dict[str, torch.Tensor]:
        out_features = self.features(output)
        with torch.no_grad():
            target = self.features(content.expand(-1, 3, -1, -1))[self.content_stage]
        got = out_features[self.content_stage]
        content_loss = (got - target).pow(2).mean() / (target.pow(2).mean() + 1e-8)
        style_loss = output.new_zeros(())
        for feature, style in zip([output, *out_features], self.style_grams, strict=True):
            want = style[which]
            style_loss = (
                style_loss
                + ((gram(feature) - want).pow(2).sum(dim=(1, 2)) / (want.pow(2).sum(dim=(1, 2)) + 1e-12)).mean()
            )
        tv = total_variation(output)
        c = self.config
        total = c.style_weight * style_loss + c.content_weight * content_loss + c.tv_weight * tv
        return {"total": total, "style": style_loss, "content": content_loss, "tv": tv}


def preview(net: PrintNet, content: torch.Tensor) -> np.ndarray:
    """Rows: each content image, then that image in every print."""
    from performer.grid import tile

    count = net.config.prints
    with torch.no_grad():
        rows = []
        for image in content:
            rows.append(image.expand(3, -1, -1)[None])
            batch = image[None].expand(count, -1, -1, -1)
            rows.append(net(batch, torch.eye(count, device=image.device)))
    return tile(torch.cat(rows).cpu(), columns=count + 1)


def train_prints(
    styles: list[str],
    out: Path,
    content: ContentSource,
    config: TrainPrintsConfig = TrainPrintsConfig(),
    vgg: Path | None = None,
    preview_dir: Path | None = None,
    device: str | None = None,
    progress: bool = True,
    on_step: Callable[[int, dict[str, float]], None] | None = None,
    loss_net: Path | None = None,
) -> Path:
    """Train one network holding every style in `styles`; write `out` (.safetensors) and return its path."""
    import imageio.v3 as iio

    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    torch.manual_seed(config.seed)
    loaded = [load_style(s, 256) for s in styles]
    names = [name for name, _ in loaded]
    if len(set(names)) != len(names):
        raise ValueError(f"style names repeat: {names}; rename the files")
    style_images = torch.cat([image for _, image in loaded]).to(device)
    features = choose_loss_network(vgg, loss_net).to(device)
    loss_fn = PrintLoss(features, style_images, config)
    net = PrintNet(
        PrintConfig(
            prints=len(styles), width=config.width, residual_blocks=config.residual_blocks, train_size=config.size
        )
    ).to(device)
    optimiser = torch.optim.Adam(net.parameters(), lr=config.lr)
    total_steps = config.epochs * config.steps_per_epoch
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, total_steps, eta_min=config.lr * 0.05)
    fixed = content.batch(3).to(device)
    generator = torch.Generator().manual_seed(config.seed)
    start, step = time.perf_counter(), 0
    averages: dict[str, float] = {}
    for epoch in range(1, config.epochs + 1):
        bar = tqdm(
            range(config.steps_per_epoch),
            desc=f"prints epoch {epoch}/{config.epochs}",
            unit="step",
            disable=not progress,
        )
        for _ in bar:
            batch = content.batch(config.batch).to(device)
            which = torch.randint(len(styles), (config.batch,), generator=generator).to(device)
            noise = torch.rand(config.batch, net.config.noise_channels, config.size, config.size, device=device)
            output = net(batch, F.one_hot(which, len(styles)).float(), noise)
            losses = loss_fn(output, batch, which)
            optimiser.zero_grad(set_to_none=True)
            losses["total"].backward()
            optimiser.step()
            scheduler.step()
            step += 1
            for key, value in losses.items():  # exponential averages: a readable progress bar
                number = float(value.detach())
                averages[key] = 0.9 * averages.get(key, number) + 0.1 * number
            bar.set_postfix({k: f"{v:.3g}" for k, v in averages.items()})
            if on_step is not None:
                on_step(step, averages)
        if preview_dir is not None:
            preview_dir.mkdir(parents=True, exist_ok=True)
            net.eval()
            iio.imwrite(preview_dir / f"epoch{epoch:03d}.png", preview(net, fixed))
            net.train()
    seconds = time.perf_counter() - start
    info = {
        "steps": step,
        "seconds": round(seconds, 1),
        "styles": styles,
        "loss_network": describe_loss_network(vgg, loss_net),
        "final_losses": {k: round(v, 4) for k, v in averages.items()},
        "train": dataclasses.asdict(config),
        "device": device,
    }
    log.info("trained %d prints in %d steps, %.0f s", len(styles), step, seconds)
    return save_prints(out, net.cpu().eval(), names, info)
