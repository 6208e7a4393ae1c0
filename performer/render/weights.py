"""The CPPN's weights as numpy arrays, packed into the vec4 table the fragment shader reads.

They come from the model file through numpy (model/arrays.py): the live process never imports torch.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from performer.model.arrays import ModelArrays, read_model_arrays


@dataclass(frozen=True)
class CppnWeights:
    coord: np.ndarray  # [H, 3]   x, y, r -> layer 0 (no bias)
    latent_w: np.ndarray  # [H, L], or [H, M] with a mapping (it reads m)
    latent_b: np.ndarray  # [H]
    hidden: tuple[tuple[np.ndarray, np.ndarray], ...]  # (W [H, H], b [H]) per hidden layer
    out_w: np.ndarray  # [C, H]
    out_b: np.ndarray  # [C]
    coord_scale: float
    # ModelConfig.cppn_sine_units: layer 0's first units take sin instead of tanh (a multiple of 4: whole vec4s).
    sine_units: int = 0
    # FiLM (ModelConfig.latent_film): z also sets every layer's gain (1 + W z + b) and extra bias.
    film_gain: tuple[tuple[np.ndarray, np.ndarray], ...] = ()  # depth x (W [H, L], b [H])
    film_bias: tuple[tuple[np.ndarray, np.ndarray], ...] = ()  # (depth - 1) x (W [H, L], b [H])
    # ModelConfig.latent_mapping: (A [M, L], a [M]); the per-frame terms above read m = tanh(A z + a), not z
    # (their matrices are then [H, M]). None: they read z.
    mapping: tuple[np.ndarray, np.ndarray] | None = None
    # ModelConfig.weight_modulation: per hidden layer (A's W [H*R, code], A's b, B's W, B's b); the layer's matrix
    # for a frame is W * (1 + A B^T) with A, B [H, R] from the code (hidden_matrices). () = the matrices are fixed.
    modulation: tuple[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray], ...] = ()
    # Not for the shader: where real garments sit in the latent space, [N, L] (random jumps land there),
    # and the learned prior over them (model/prior.py), when the file has them.
    garments: np.ndarray | None = None
    prior: object | None = None

    def __post_init__(self) -> None:
        if self.sine_units % 4 or not 0 <= self.sine_units <= self.hidden_units:
            raise ValueError(f"sine_units must be a multiple of 4 in 0..{self.hidden_units}, got {self.sine_units}")
        if self.modulation and len(self.modulation) != len(self.hidden):
            raise ValueError(f"weight modulation for {len(self.modulation)} layers, the model has {len(self.hidden)}")
        if self.mapping is not None and self.mapping[0].shape[0] != self.latent_w.shape[1]:
            raise ValueError(f"the mapping makes {self.mapping[0].shape[0]} values, the terms read {self.code_dim}")

    @property
    def modulated(self) -> bool:
        """Whether the hidden matrices change with z (the packed table is then per frame: pack(z))."""
        return bool(self.modulation)

    @property
    def hidden_units(self) -> int:
        return self.coord.shape[0]

    @property
    def blocks(self) -> int:
        return self.hidden_units // 4

    @property
    def sine_blocks(self) -> int:
        """Layer 0's vec4 blocks that take sin (the first ones); the shaders' SINE_BLOCKS."""
        return self.sine_units // 4

    @property
    def latent_dim(self) -> int:
        """z's width (what the sources and the faders feed), with or without a mapping."""
        return self.mapping[0].shape[1] if self.mapping is not None else self.latent_w.shape[1]

    @property
    def code_dim(self) -> int:
        """The width the per-frame terms read: the mapping's M, else latent_dim."""
        return self.latent_w.shape[1]

    @property
    def channels(self) -> int:
        return self.out_w.shape[0]

    @property
    def layers(self) -> int:
        return len(self.hidden) + 1

    @property
    def macs_per_pixel(self) -> int:
        """As ModelConfig.macs_per_pixel: FiLM's gain is one more multiply per unit and layer."""
        h = self.hidden_units
        film = self.layers * h if self.film_gain else 0
        return film + 3 * h + len(self.hidden) * h * h + h * self.channels

    @classmethod
    def from_generator(cls, generator) -> CppnWeights:
        """From a performer.model.cppn.CPPN (torch), copied out once."""

        def arr(tensor) -> np.ndarray:
            return tensor.detach().to("cpu").double().numpy()

        film = bool(getattr(generator.config, "latent_film", False))
        mapped = bool(getattr(generator.config, "latent_mapping", 0))
        modulated = bool(getattr(generator.config, "weight_modulation", 0))
        rows_cols = zip(generator.modulation_rows, generator.modulation_cols, strict=True) if modulated else ()
        return cls(
            coord=arr(generator.coord.weight),
            latent_w=arr(generator.latent.weight),
            latent_b=arr(generator.latent.bias),
            hidden=tuple((arr(layer.weight), arr(layer.bias)) for layer in generator.hidden),
            out_w=arr(generator.out.weight),
            out_b=arr(generator.out.bias),
            coord_scale=float(generator.config.coord_scale),
            sine_units=int(getattr(generator.config, "cppn_sine_units", 0)),
            film_gain=tuple((arr(g.weight), arr(g.bias)) for g in generator.latent_gain) if film else (),
            film_bias=tuple((arr(b.weight), arr(b.bias)) for b in generator.latent_bias) if film else (),
            mapping=(arr(generator.mapping.weight), arr(generator.mapping.bias)) if mapped else None,
            modulation=tuple((arr(a.weight), arr(a.bias), arr(b.weight), arr(b.bias)) for a, b in rows_cols),
        )

    @classmethod
    def from_arrays(cls, arrays: ModelArrays) -> CppnWeights:
        """From a model file read with numpy (model/arrays.py): the generator's state dict by name."""
        g, config = arrays.generator, arrays.config

        def pairs(name: str, count: int) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
            return tuple((g[f"{name}.{i}.weight"], g[f"{name}.{i}.bias"]) for i in range(count))

        film = config.latent_film
        return cls(
            coord=g["coord.weight"],
            latent_w=g["latent.weight"],
            latent_b=g["latent.bias"],
            hidden=pairs("hidden", config.cppn_depth - 1),
            out_w=g["out.weight"],
            out_b=g["out.bias"],
            coord_scale=float(config.coord_scale),
            sine_units=config.cppn_sine_units,
            film_gain=pairs("latent_gain", config.cppn_depth) if film else (),
            film_bias=pairs("latent_bias", config.cppn_depth - 1) if film else (),
            mapping=(g["mapping.weight"], g["mapping.bias"]) if config.latent_mapping else None,
            modulation=tuple(
                (g[f"modulation_rows.{i}.weight"], g[f"modulation_rows.{i}.bias"])
                + (g[f"modulation_cols.{i}.weight"], g[f"modulation_cols.{i}.bias"])
                for i in range(config.cppn_depth - 1 if config.weight_modulation else 0)
            ),
            garments=arrays.garments,
            prior=arrays.prior,
        )

    @classmethod
    def from_file(cls, path: str | Path) -> CppnWeights:
        """Raises performer.model.arrays.ModelFileError for a file that cannot be used. No torch."""
        return cls.from_arrays(read_model_arrays(path))

    def latent_code(self, z: np.ndarray) -> np.ndarray:
        """What the per-frame terms read, float64 [code_dim]: m = tanh(A z + a) with a mapping, else z."""
        z = np.asarray(z, dtype=np.float64).reshape(self.latent_dim)
        if self.mapping is None:
            return z
        weight, bias = self.mapping
        return np.tanh(weight @ z + bias)

    def frame_terms(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per-frame gain and bias of every layer, float32 [layers, H] each: layer l computes
        tanh(gain[l] * (W_l h) + bias[l]) (layer 0: layer0_activation). The hidden layers' own biases are
        folded in here (gain * (W h + b) + film_bias = gain * W h + (gain * b + film_bias)), so the shader adds
        one per-frame vector per layer whether or not the model has FiLM. Computed in float64, from z's
        mapping code m when the model has a mapping (latent_code).
        """
        code = self.latent_code(z)
        h = self.hidden_units
        gains = np.ones((self.layers, h))
        biases = np.zeros((self.layers, h))
        if self.film_gain:
            gains = np.stack([1.0 + w @ code + b for w, b in self.film_gain])
            for index, (w, b) in enumerate(self.film_bias, start=1):
                biases[index] = w @ code + b
        biases[0] += self.latent_w @ code + self.latent_b
        for index, (_, layer_bias) in enumerate(self.hidden, start=1):
            biases[index] += gains[index] * layer_bias
        return gains.astype(np.float32), biases.astype(np.float32)

    def hidden_matrices(self, z: np.ndarray | None = None) -> list[np.ndarray]:
        """The hidden layers' matrices [H, H] (float64) for a frame at z: fixed, or with weight modulation
        W * (1 + A B^T), A and B [H, R] affine in the code (model/cppn.py CPPN.frame_weights)."""
        if not self.modulated:
            return [weight for weight, _ in self.hidden]
        if z is None:
            raise ValueError("this model's hidden weights change with z: give the frame's z")
        code, h = self.latent_code(z), self.hidden_units
        matrices = []
        for (weight, _), (rows_w, rows_b, cols_w, cols_b) in zip(self.hidden, self.modulation, strict=True):
            a, b = (rows_w @ code + rows_b).reshape(h, -1), (cols_w @ code + cols_b).reshape(h, -1)
            matrices.append(weight * (1.0 + a @ b.T))
        return matrices

    def layer0_activation(self, pre: np.ndarray) -> np.ndarray:
        """Layer 0's activation on pre-activations [..., H]: sin on the first sine_units, tanh on the rest
        (model/cppn.py layer0_activation). The dtype is kept."""
        s = self.sine_units
        if not s:
            return np.tanh(pre)
        return np.concatenate([np.sin(pre[..., :s]), np.tanh(pre[..., s:])], axis=-1)

    def pack(self, z: np.ndarray | None = None) -> np.ndarray:
        """float32 [count, 4]: the layout shaders/cppn.glsl indexes (COORD_AT, HIDDEN_AT, OUT_AT).
        Hidden biases are not here: they are per-frame terms (see frame_terms). A modulated model's table
        is the frame's at z (hidden_matrices), so it needs z.

        A 4x4 block of W (4 outputs from 4 inputs) is stored as its 4 columns, GLSL's mat4 order, so
        mat4(...) * h[j] adds that block's share to 4 outputs at once.
        """
        n = self.blocks
        rows: list[np.ndarray] = []
        for i in range(n):
            rows.append(self.coord[4 * i : 4 * i + 4, :].T)  # 3 columns: x, y, r
        for weight in self.hidden_matrices(z):
            for i in range(n):
                for j in range(n):
                    rows.append(weight[4 * i : 4 * i + 4, 4 * j : 4 * j + 4].T)
        out_w = np.zeros((4, self.hidden_units))
        out_w[: self.channels] = self.out_w
        out_b = np.zeros(4)
        out_b[: self.channels] = self.out_b
        for j in range(n):
            rows.append(out_w[:, 4 * j : 4 * j + 4].T)
        rows.append(out_b.reshape(1, 4))
        table = np.concatenate(rows).astype(np.float32)
        assert table.shape[0] == weight_count(n, len(self.hidden))
        return table


def weight_count(blocks: int, hidden_layers: int) -> int:
    return 3 * blocks + hidden_layers * 4 * blocks * blocks + 4 * blocks + 1
