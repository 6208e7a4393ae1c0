"""Audio-reactive latents: the features of live input or a song, per frame, for the mappings to drive targets.

features.py   the analysis (aubio, one causal path for a live stream and a file): level, bands, onset, beat,
              phase, tempo
names.py      the feature table (names, input ranges): what `audio:` in a mapping file may name
envelope.py   attack/release envelopes on a feature
files.py      reading WAV, FLAC, OGG within FILE_BOUNDS["audio"]
offline.py    a song analysed frame by frame and turned into the poses of an offline render
mux.py        the song muxed into the rendered video (AAC in mp4, PCM in mov)
"""
