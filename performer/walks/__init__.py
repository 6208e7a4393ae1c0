"""Walks: paths through the latent space in time (keyframes, noise loops, random walks, orbits, tours).

  keyframes.py   interpolation (linear, slerp, smooth = time-aware Catmull-Rom) and keyframe walks
  generative.py  noise loop, bounded random walk, orbit
  tempo.py       BPM from the config, tap tempo or MIDI clock; beats <-> seconds
  schema.py      presets/walks/*.yaml (pydantic, unknown keys are errors) -> walk objects
  player.py      plays a walk onto the state, with manual offsets on top; crossfaded landmark recall
  live.py        everything above as actions and an input for the app loop (recording is an output)

A walk is a pure function of its position (seconds or beats): sample(t) -> Pose. Nothing here draws.
"""
