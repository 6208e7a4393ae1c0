"""Training images as float tensors [N, C, S, S] in [0, 1]."""
