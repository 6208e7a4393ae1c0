"""The generative model: a CPPN generator trained as a GAN plus VAE with a small latent z."""

from performer.model.checkpoint import ModelFileError, load_model, save_model
from performer.model.config import ModelConfig
from performer.model.cppn import CPPN, coordinate_grid

__all__ = ["CPPN", "ModelConfig", "ModelFileError", "coordinate_grid", "load_model", "save_model"]
