"""A CPPN with weights of std 1 (and optionally biases), the parity tests' choice: units saturate and the
picture has structure at several scales, so a slip in any re-implementation shows. A mapping's weights
(ModelConfig.latent_mapping) have std 1/sqrt(latent_dim) instead: its pre-activations are then about N(0, 1) for
z ~ N(0, I), so its tanh works in its curved range (at std 1 it would be nearly sign(A z), where a wrong tanh
hides), and the terms that read m come out about as large as those of a model without one."""

from __future__ import annotations

import torch

from performer.model.config import ModelConfig
from performer.model.cppn import CPPN


def saturated_cppn(config: ModelConfig, seed: int, bias_std: float = 0.0) -> CPPN:
    torch.manual_seed(seed)
    model = CPPN(config).eval()
    with torch.no_grad():
        for layer in model.modules():
            if isinstance(layer, torch.nn.Linear):
                layer.weight.normal_(0.0, 1.0)
                if bias_std and layer.bias is not None:
                    layer.bias.normal_(0.0, bias_std)
        if config.latent_mapping:
            model.mapping.weight.mul_(config.latent_dim**-0.5)
    return model
