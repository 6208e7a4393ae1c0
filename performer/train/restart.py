"""A fine-tune: training that starts from a model file (the shipped model, say) instead of from scratch.

A model file keeps the generator (its EMA weights when it was trained with one) and the encoder, not the
critic or the optimisers' moments, so the fine-tune starts those anew: the critic learns the space alone
for `critic_warmup_steps` (train/loop.py) before the generator is pushed by it. A fine-tune's own
checkpoints are full ones and resume like any run.
"""

from __future__ import annotations

from pathlib import Path

import torch

from performer.model.checkpoint import load_state, parse_config, read_file
from performer.train.config import TrainConfig
from performer.train.loop import Trainer


def from_model(path: Path, train: TrainConfig, device: torch.device | None = None) -> Trainer:
    """A Trainer whose generator, EMA and encoder are the model file's; critic and optimisers new."""
    metadata, tensors = read_file(path)
    config = parse_config(path, metadata)
    trainer = Trainer(config, train, device)
    load_state(path, trainer.nets.generator, "generator", tensors)
    load_state(path, trainer.nets.encoder, "encoder", tensors)
    if trainer.ema is not None:
        trainer.ema.load_state_dict(trainer.nets.generator.state_dict())
    return trainer
