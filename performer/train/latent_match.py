"""Matching the garments' latents to the prior as a whole: maximum mean discrepancy (InfoVAE, Zhao et al.;
WAE-MMD, Tolstikhin et al.).

The KL term asks each garment's posterior to be near N(0, I) on its own, and at 230 nats of reconstruction
a garment pays it gladly for an offset: the shipped encoder's garments sit off-centre as a whole (one
latent's mean near 0.8) with holes between the classes, so Shift+R's N(0, I) jump often lands where no
garment trained the decoder. MMD compares the batch's posterior samples with prior samples as two sets,
so it moves the whole cloud onto the prior, offsets, shape and holes, without asking any one garment to
blur.
"""

from __future__ import annotations

import torch

# Inverse multiquadric kernels k(a, b) = C / (C + |a - b|^2) at several widths, C = 2 * dim * scale (WAE's
# choice: its heavy tails keep a gradient for points far from the other set, where a Gaussian kernel has
# none).
KERNEL_SCALES = (0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)


def mmd(samples: torch.Tensor, prior: torch.Tensor) -> torch.Tensor:
    """Unbiased squared MMD between two batches [B, L] (B >= 2): 0 in expectation when they share a law."""
    batch, dim = samples.shape
    both = torch.cat([samples, prior])
    distances = torch.cdist(both, both).pow(2)
    kernel = sum(2.0 * dim * s / (2.0 * dim * s + distances) for s in KERNEL_SCALES)
    off_diagonal = 1.0 - torch.eye(batch, device=samples.device)
    within_a = (kernel[:batch, :batch] * off_diagonal).sum() / (batch * (batch - 1))
    within_b = (kernel[batch:, batch:] * off_diagonal).sum() / (batch * (batch - 1))
    between = kernel[:batch, batch:].mean()
    return within_a + within_b - 2.0 * between
