"""A print file's network shape, without torch: the live process reads it to check a print file before the
print worker (which has torch) loads the network itself."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from performer.model.config import dataclass_from_dict


@dataclass(frozen=True)
class PrintConfig:
    prints: int = 4  # how many prints the file holds (rows of every scale/shift table)
    in_channels: int = 1  # the CPPN's grey level; 3 for an RGB model
    width: int = 16  # channels at full and half resolution; 2 * width in the residual blocks
    residual_blocks: int = 3
    train_size: int = 128  # the resolution the prints were trained at (a note: the net runs at any size)
    # Noise channels next to the garment: the CPPN's garments have large flat areas, where a style network
    # fed only the image has nothing to break symmetry with and paints flat colour. Training draws fresh
    # noise every step; live, the noise is fixed (seeded), so the print does not flicker frame to frame.
    noise_channels: int = 2

    def __post_init__(self) -> None:
        for name, low, high in (
            ("prints", 1, 64),
            ("in_channels", 1, 3),
            ("width", 4, 128),
            ("residual_blocks", 0, 16),
            ("train_size", 16, 1024),
            ("noise_channels", 0, 8),
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ValueError(f"{name} must be an integer in {low}..{high}, got {value!r}")

    def macs(self, size: int) -> int:
        """Multiply-adds for one size x size frame (the convolutions; normalisation is a few per pixel)."""
        w, p = self.width, size * size
        down = p // 4 * 9 * (self.in_channels + self.noise_channels) * w + p // 16 * 9 * w * 2 * w
        blocks = self.residual_blocks * 2 * (p // 16) * 9 * (2 * w) ** 2
        up = p // 4 * 9 * 2 * w * w + p * 9 * w * 3
        return down + blocks + up

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: object, source: str = "config") -> PrintConfig:
        return dataclass_from_dict(cls, data, source, "print")
