"""Shared fixtures: a headless GL context per test module, small models with random weights saved as real
model files."""

from __future__ import annotations

import pytest
import torch

from performer.model.checkpoint import save_model
from performer.model.config import ModelConfig
from performer.model.cppn import CPPN, Encoder


@pytest.fixture
def small_config() -> ModelConfig:
    return ModelConfig()


@pytest.fixture
def random_model_file(tmp_path, small_config):
    """A model file with seeded random weights; returns (path, generator, encoder)."""
    torch.manual_seed(7)
    generator, encoder = CPPN(small_config).eval(), Encoder(small_config).eval()
    path = save_model(tmp_path / "random.safetensors", small_config, generator, encoder, {"note": "test"})
    return path, generator, encoder


@pytest.fixture(scope="module")
def ctx():
    """A headless EGL context (llvmpipe here) for one test module; a module may define its own instead."""
    from performer.render.context import create_headless_context

    context = create_headless_context()
    yield context
    context.release()
