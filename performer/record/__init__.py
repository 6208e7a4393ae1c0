"""Video out through imageio-ffmpeg's bundled ffmpeg.

  codecs.py    the codec table (H.264 mp4, HAP / HAP Q mov, ProRes mov) and its size rules
  writer.py    one ffmpeg process fed raw RGB frames, exact size, errors with ffmpeg's own words
  readback.py  asynchronous frame readback through pixel buffer objects (no stall of the render loop)
  live.py      the live recorder: frame hook -> bounded queue -> encoder thread, drops counted
  probe.py     what a video file holds (size, codec, frames, frame rate), read back for checks
"""
