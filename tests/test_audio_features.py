"""The analysis on synthetic signals: tempo of a click track, RMS level and bands against A/sqrt(2), beats
counted once each, the same frames however the samples arrive, envelopes against e^-1, file bounds."""

from __future__ import annotations

import math

import numpy as np
import pytest
import soundfile
from audio_signals import RATE, click_track

from performer.audio.envelope import Envelope
from performer.audio.features import AudioAnalyser, BeatGrid, analyse, frame_ends, video_frames
from performer.audio.files import AudioFileError, read_song


def test_a_click_track_at_128_bpm_reads_128():
    frames = analyse(click_track(128, 20), RATE, 60)
    assert abs(frames[-1].tempo - 128.0) <= 1.0
    first = next(f.time for f in frames if f.beat)
    # every beat from the tracker's first to the end counted once: the grid fills the ones it skips
    expected = math.floor((20.0 - first) * 128 / 60) + 1
    assert abs(frames[-1].beats - expected) <= 1
    beat_times = np.array([f.time for f in frames if f.beat])
    assert np.all(np.abs(np.diff(beat_times) - 60 / 128) < 2.5 / 60)  # each a beat apart, within the frame grid


@pytest.mark.parametrize(("hz", "band"), [(80.0, 0), (1000.0, 2), (5000.0, 3)])
def test_level_and_bands_are_rms(hz, band):
    t = np.arange(2 * RATE) / RATE
    frames = analyse((0.5 * np.sin(2 * np.pi * hz * t)).astype(np.float32), RATE, 30)
    last = frames[-1]
    assert last.level == pytest.approx(0.5 / math.sqrt(2), abs=0.002)
    assert last.bands[band] == pytest.approx(0.5 / math.sqrt(2), rel=0.03)
    assert sum(b for i, b in enumerate(last.bands) if i != band) < 0.02


def test_the_same_frames_whatever_the_blocks():
    samples = click_track(128, 6)
    ends = frame_ends(len(samples), RATE, 60)
    whole = analyse(samples, RATE, 60)
    rng = np.random.default_rng(3)
    analyser, start, pieces = AudioAnalyser(RATE), 0, []
    for end in ends:  # each frame's samples in random pieces, as PortAudio's blocks come
        cuts = np.sort(rng.integers(start, end + 1, size=3))
        for a, b in zip([start, *cuts], [*cuts, end], strict=True):
            analyser.feed(samples[a:b])
        pieces.append(analyser.frame())
        start = end
    assert pieces == whole


def test_frames_last_as_long_as_the_song():
    assert video_frames(10 * 44100, 44100, 30) == 300
    assert video_frames(44100 * 7 + 700, 44100, 30) == 210  # 7.016 s: 210.5 frames -> 210 (half a frame)
    ends = frame_ends(44100, 44100, 30)
    assert len(ends) == 30 and ends[0] == 1470 and ends[-1] == 44100


def test_beat_grid_fills_skipped_beats_and_counts_each_once():
    grid = BeatGrid()
    grid.tracker_beat(1.0, 0.5)
    assert grid.advance(1.2) == (1, pytest.approx(0.4))
    grid.advance(1.51)  # the grid's beat at 1.5
    grid.tracker_beat(1.503, 0.5)  # the tracker's, 3 ms later: the same beat
    assert grid.count == 2
    assert grid.advance(2.6)[0] == 4  # 2.0 and 2.5 skipped by the tracker: the grid counts them
    grid.tracker_beat(2.75, 0.5)  # half a beat off: a new beat (the music moved)
    assert grid.count == 5 and grid.advance(3.0) == (5, pytest.approx(0.5))


def test_envelope_attack_and_release():
    env = Envelope(attack=0.0, release=0.1)
    assert env.follow(0.0, 0.0) == 0.0
    assert env.follow(1.0, 0.01) == 1.0  # no attack: at once
    assert env.follow(0.0, 0.11) == pytest.approx(math.exp(-1.0))  # one release time constant later
    slow = Envelope(attack=0.2, release=0.0)
    slow.follow(0.0, 0.0)
    assert slow.follow(1.0, 0.2) == pytest.approx(1 - math.exp(-1.0))
    assert slow.follow(0.0, 0.21) == 0.0
    with pytest.raises(ValueError):
        Envelope(attack=-1.0)


def test_songs_read_within_bounds(tmp_path, monkeypatch):
    stereo = np.stack([np.full(4800, 0.25), np.full(4800, -0.75)], axis=1)
    for name, subtype in (("a.wav", "PCM_16"), ("a.flac", "PCM_16"), ("a.ogg", "VORBIS")):
        soundfile.write(tmp_path / name, stereo, 48000, subtype=subtype)
        song = read_song(tmp_path / name)
        assert song.samplerate == 48000 and song.channels == 2 and abs(len(song.samples) - 4800) <= 64
        assert float(np.median(song.mono())) == pytest.approx(-0.25, abs=0.02)
    (tmp_path / "text.wav").write_text("not a song")
    with pytest.raises(AudioFileError, match="text.wav"):
        read_song(tmp_path / "text.wav")
    with pytest.raises(AudioFileError, match="cannot read"):
        read_song(tmp_path / "missing.wav")
    from performer import safe_files

    monkeypatch.setitem(safe_files.FILE_BOUNDS, "audio", safe_files.FileBound(10**9, 0, "seconds"))
    with pytest.raises(AudioFileError, match="at most 0 s"):
        read_song(tmp_path / "a.wav")  # 0.1 s over a 0 s bound, from the header
    monkeypatch.setitem(safe_files.FILE_BOUNDS, "audio", safe_files.FileBound(1000, 3600, "seconds"))
    with pytest.raises(AudioFileError, match="at most"):
        read_song(tmp_path / "a.wav")  # 19 KB over 1000 bytes, before libsndfile opens it
