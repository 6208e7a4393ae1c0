"""performer: a live fashion space to play.

Architecture, one way: controller message -> event -> mapping -> state -> renderer -> window and recorder.
  performer/model/   the GAN-VAE-CPPN (torch): config, networks, checkpoint files
  performer/data/    training images: Fashion-MNIST idx files, folders of images
  performer/train/   the training loop, sample grids, timelapse
"""

__version__ = "0.1.0"
