"""The generative model: a CPPN generator trained as a GAN plus VAE with a small latent z.

Torch-backed modules (cppn, checkpoint) are imported by name where they compute; arrays.py, garments.py,
prior.py and config.py are numpy only, for the live process.
"""
