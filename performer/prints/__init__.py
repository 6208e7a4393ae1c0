"""Prints: a conditional-instance-norm style network and procedural GLSL prints, composited live on the garment."""
