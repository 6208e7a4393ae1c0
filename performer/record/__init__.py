"""Video out through imageio-ffmpeg's bundled ffmpeg.

codecs.py    the codec table (H.264 mp4, HAP / HAP Q mov, ProRes mov) and its size rules
writer.py    one ffmpeg process fed raw RGB frames, exact size, errors with ffmpeg's own words
offline.py   walks rendered frame-exact to a file (performer render)
probe.py     what a video file holds (size, codec, frames, frame rate), read back for checks
"""
