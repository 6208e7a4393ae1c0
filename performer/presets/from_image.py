"""A landmark from a picture: a photo or drawing of a garment encoded into the space (the VAE's encoder), as
the Fashion Space Explorer encoded what was drawn on its canvas.

Fashion-MNIST garments are light on black; a photo or drawing is usually dark on white. A picture whose
border is light is inverted first, so either works.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from performer.state import LATENT_LIMIT


class ImageError(Exception):
    """A picture that cannot be read, naming the file."""


def prepare_image(path: str | Path, size: int, channels: int) -> np.ndarray:
    """float32 [channels, size, size] in [0, 1], light garment on a dark ground, as the model was trained."""
    from PIL import Image, UnidentifiedImageError

    from performer.data.image_folder import fit_square

    path = Path(path)
    try:
        with Image.open(path) as image:
            image.load()
            pixels = fit_square(image, size, channels)
    except (OSError, UnidentifiedImageError) as exc:
        raise ImageError(f"{path}: not a readable image ({exc})") from None
    border = np.concatenate([pixels[:, 0], pixels[:, -1], pixels[:, :, 0], pixels[:, :, -1]], axis=1)
    if float(np.median(border)) > 0.5:
        pixels = 1.0 - pixels
    return pixels


def encode_image(model, path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """(z [latent_dim] within the state's limits, the prepared picture [C, S, S]) of a picture file."""
    import torch

    config = model.config
    pixels = prepare_image(path, config.image_size, config.channels)
    with torch.no_grad():
        mean, _ = model.encoder(torch.from_numpy(pixels)[None])
    return np.clip(mean[0].numpy().astype(np.float64), -LATENT_LIMIT, LATENT_LIMIT), pixels
