"""Fashion-MNIST from the Debian package dataset-fashion-mnist. Reads the idx.gz files; never downloads."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np

DEFAULT_DIR = Path("/usr/share/datasets/fashion-mnist")
CLASSES = (
    "t-shirt/top",
    "trouser",
    "pullover",
    "dress",
    "coat",
    "sandal",
    "shirt",
    "sneaker",
    "bag",
    "ankle boot",
)
# idx type codes (http://yann.lecun.com/exdb/mnist/): only unsigned bytes are used by this data set.
IDX_UBYTE = 0x08


def read_idx(path: Path) -> np.ndarray:
    """An idx file (optionally gzipped) as a uint8 array of the shape its header declares."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as handle:
        data = handle.read()
    if len(data) < 4:
        raise ValueError(f"{path}: too short to be an idx file")
    zero, dtype, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype != IDX_UBYTE or not 1 <= ndim <= 4:
        raise ValueError(f"{path}: not an unsigned-byte idx file (magic {data[:4].hex()})")
    shape = struct.unpack(f">{ndim}I", data[4 : 4 + 4 * ndim])
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if body.size != int(np.prod(shape)):
        raise ValueError(f"{path}: header says {shape} but holds {body.size} bytes")
    return body.reshape(shape)


def load_fashion_mnist(split: str = "train", root: Path = DEFAULT_DIR) -> tuple[np.ndarray, np.ndarray]:
    """images uint8 [N, 28, 28], labels uint8 [N] for split 'train' (60000) or 'test' (10000)."""
    prefix = {"train": "train", "test": "t10k"}.get(split)
    if prefix is None:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    images_path = root / f"{prefix}-images-idx3-ubyte.gz"
    if not images_path.exists():
        raise FileNotFoundError(
            f"{images_path} not found: install the Debian package dataset-fashion-mnist (./setup.sh does)"
        )
    images = read_idx(images_path)
    labels = read_idx(root / f"{prefix}-labels-idx1-ubyte.gz")
    return images, labels
