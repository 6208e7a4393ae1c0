"""Landmarks: named points of the space (presets/landmarks.yaml).

landmarks.py  the file format, load, save without losing entries, a landmark from the live state
signature.py  the signature diagram as a small image, and the contact sheet of all landmarks
finder.py     landmarks for a model: encode real examples of each class, explore for striking points
"""
