"""A folder of images (a scraped lookbook): any format Pillow reads, colour or grey, any size and aspect.

Each image is fitted inside a square of the training size without distortion; the margin is filled with
the image's own border colour (the median of its edge pixels) so the CPPN is not taught hard letterbox bars.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

log = logging.getLogger(__name__)

EXTENSIONS = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif", ".tif", ".tiff"}


def fit_square(image: Image.Image, size: int, channels: int) -> np.ndarray:
    """PIL image -> float32 [channels, size, size] in [0, 1], aspect kept, padded with the border colour."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        # Composite transparency over white: lookbook cut-outs are shot on white.
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba)
    image = image.convert("L" if channels == 1 else "RGB")
    scale = size / max(image.size)
    new_size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    image = image.resize(new_size, Image.Resampling.LANCZOS)
    pixels = np.asarray(image, dtype=np.float32).reshape(image.height, image.width, channels) / 255.0
    edges = np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]], axis=0)
    canvas = np.empty((size, size, channels), dtype=np.float32)
    canvas[:] = np.median(edges, axis=0)
    top, left = (size - image.height) // 2, (size - image.width) // 2
    canvas[top : top + image.height, left : left + image.width] = pixels
    return canvas.transpose(2, 0, 1)


def load_image_folder(folder: Path, size: int, channels: int) -> tuple[np.ndarray, list[str]]:
    """All readable images below folder as [N, channels, size, size]; unreadable files are logged and skipped."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: not a folder of images")
    images, skipped = [], []
    for path in sorted(p for p in folder.rglob("*") if p.suffix.lower() in EXTENSIONS):
        try:
            with Image.open(path) as image:
                image.load()
                images.append(fit_square(image, size, channels))
        except (UnidentifiedImageError, OSError, ValueError) as exc:
            log.warning("skipping %s: not a readable image (%s)", path, exc)
            skipped.append(str(path))
    if not images:
        raise ValueError(f"{folder}: no readable images (skipped {len(skipped)})")
    return np.stack(images), skipped
