"""Training the GAN-VAE-CPPN: `performer train`."""
