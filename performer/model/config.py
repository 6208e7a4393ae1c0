"""The model's shape, frozen and saved inside every checkpoint so a file describes itself (as in nanoGPT)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

# The live shader's per-pixel budget: a 1080p frame at 60 fps is 124 M pixels a second, so 8,000 multiply-adds
# a pixel is about 1 TMAC/s, what a mid-range GPU of 2020 gives a fragment shader with room for the prints
# and the output. Larger models train and render offline; `performer train` says when one is over it.
MACS_PER_PIXEL_BUDGET = 8_000


@dataclass(frozen=True)
class ModelConfig:
    latent_dim: int = 8  # the 8 faders of the instrument
    channels: int = 1  # 1 for Fashion-MNIST, 3 for colour data sets
    image_size: int = 28  # training resolution; the CPPN itself renders at any size
    # CPPN width and depth set the per-pixel cost of the fragment shader:
    #   MACs/pixel = 3*H (coordinates) + (depth-1)*H*H (hidden) + H*channels (output)
    # The latent's contribution to layer 0 is the same for every pixel and is computed once per frame.
    cppn_hidden: int = 32
    cppn_depth: int = 4
    # Coordinates are multiplied by this before layer 0 so that the initial weights already see a few
    # periods of structure across the garment (as hardmaru's cppn-gan-vae does with its `scale`).
    coord_scale: float = 2.0
    # FiLM: z also sets a gain and a bias for every layer, not just layer 0's bias. Both are per-frame
    # work in the shader (a matrix-vector product per layer per frame), so per-pixel cost grows only by
    # one multiply per unit, yet z can now reshape the garment at every depth, not only shift layer 0.
    latent_film: bool = True
    # Sine units (Fourier features, Tancik et al. 2020; SIREN's first layer): the first `cppn_sine_units`
    # units of layer 0 take sin instead of tanh, so the network starts from a bank of stripes across the
    # garment whose frequency (the FiLM gain) and phase (the latent bias) z sets per frame. A tanh MLP on raw
    # coordinates is biased towards smooth images; sines give it edges and seams at no per-pixel
    # multiply-add (a sine costs about what the shader's tanh does). 0 = the plain tanh CPPN.
    cppn_sine_units: int = 0
    # Mapping (StyleGAN's mapping network in its smallest form): with M > 0 the per-frame terms (layer 0's
    # latent bias, FiLM's gains and biases) read m = tanh(A z + a), M values, instead of z. They are affine in z
    # without it, so z could only add fixed directions of modulation; through m it can select garment-specific
    # modulations nonlinearly. m is per-frame work (M * latent_dim multiply-adds on the CPU), so the shader and
    # its per-pixel cost are unchanged. A multiple of 4 (the exported shaders carry m as vec4s); 0 = off.
    latent_mapping: int = 0
    # Modulated weights (INR-GAN's factorised multiplicative modulation; CIPS modulates weights too): with
    # R > 0 each hidden layer's matrix is W * (1 + A(c) B(c)^T) for the per-frame code c, A and B [H, R]
    # linear in c. Per-frame work (H * H * R multiply-adds a layer on the CPU), so per-pixel cost is
    # unchanged, but z then reshapes the layers' weights, not only their gains and biases. 0 = off.
    weight_modulation: int = 0
    encoder_width: int = 32
    discriminator_width: int = 32

    def __post_init__(self) -> None:
        check_positive_int("latent_dim", self.latent_dim, 1, 64)
        check_positive_int("channels", self.channels, 1, 3)
        if self.channels == 2:
            raise ValueError("channels must be 1 (grey) or 3 (RGB), got 2")
        check_positive_int("image_size", self.image_size, 8, 256)
        check_positive_int("cppn_hidden", self.cppn_hidden, 4, 256)
        if self.cppn_hidden % 4:
            raise ValueError(f"cppn_hidden must be a multiple of 4 (the shader packs vec4s), got {self.cppn_hidden}")
        check_positive_int("cppn_depth", self.cppn_depth, 1, 12)
        if isinstance(self.cppn_sine_units, bool) or not isinstance(self.cppn_sine_units, int):
            raise ValueError(f"cppn_sine_units must be an integer, got {self.cppn_sine_units!r}")
        if not 0 <= self.cppn_sine_units <= self.cppn_hidden or self.cppn_sine_units % 4:
            raise ValueError(
                f"cppn_sine_units must be a multiple of 4 in 0..cppn_hidden ({self.cppn_hidden}), "
                f"got {self.cppn_sine_units}"
            )
        if isinstance(self.latent_mapping, bool) or not isinstance(self.latent_mapping, int):
            raise ValueError(f"latent_mapping must be an integer, got {self.latent_mapping!r}")
        if not 0 <= self.latent_mapping <= 256 or self.latent_mapping % 4:
            raise ValueError(f"latent_mapping must be a multiple of 4 in 0..256, got {self.latent_mapping}")
        if isinstance(self.weight_modulation, bool) or not isinstance(self.weight_modulation, int):
            raise ValueError(f"weight_modulation must be an integer, got {self.weight_modulation!r}")
        if not 0 <= self.weight_modulation <= 16:
            raise ValueError(f"weight_modulation must be a rank in 0..16, got {self.weight_modulation}")
        if self.weight_modulation and not self.latent_film:
            raise ValueError("weight_modulation modulates the FiLM network: it needs latent_film")
        if not 0.01 <= float(self.coord_scale) <= 100.0:
            raise ValueError(f"coord_scale must be in 0.01..100, got {self.coord_scale}")
        check_positive_int("encoder_width", self.encoder_width, 4, 512)
        check_positive_int("discriminator_width", self.discriminator_width, 4, 512)

    @property
    def latent_code_dim(self) -> int:
        """The width the per-frame terms read: the mapping's M, else z's own latent_dim."""
        return self.latent_mapping or self.latent_dim

    @property
    def macs_per_pixel(self) -> int:
        """Multiply-adds the CPPN does for one pixel (the latent's share is per frame, not per pixel)."""
        h = self.cppn_hidden
        film = self.cppn_depth * h if self.latent_film else 0  # the per-unit gain multiply
        return film + 3 * h + (self.cppn_depth - 1) * h * h + h * self.channels

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict, source: str = "config") -> ModelConfig:
        return dataclass_from_dict(cls, data, source, "model")


def dataclass_from_dict(cls, data: object, source: str, kind: str):
    """A frozen config dataclass from a JSON object: unknown keys and bad values are ValueErrors that
    name the source (a file) and list the allowed keys."""
    if not isinstance(data, dict):
        raise ValueError(f"{source}: {kind} config must be a JSON object, got {type(data).__name__}")
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValueError(f"{source}: unknown {kind} config keys {unknown}; allowed: {sorted(known)}")
    try:
        return cls(**data)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{source}: {exc}") from exc


def check_positive_int(name: str, value: object, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be an integer in {low}..{high}, got {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{name} must be in {low}..{high}, got {value}")
