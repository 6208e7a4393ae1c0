"""The analysis: mono blocks of any length in, one FeatureFrame per video frame out. Live input and files go
through this same code, causally (a frame's features use only the samples before its end), so a song
rendered offline moves the same way it would live.

aubio does the signal work, hop by hop in C: the phase vocoder (the spectrum the bands are read from), the
onset detector (spectral flux) and the beat tracker (beats and tempo). aubio was chosen over librosa for
cost and weight: it is causal and block-based, about 15 µs a hop here (a 60 fps frame at 48 kHz is about
3 hops of 256), and one wheel needing only numpy; librosa analyses whole signals (its beat tracker is not
causal, so live input would need another path) and brings scipy, numba, llvmlite and scikit-learn.

What is written here is glue: the bands' RMS from the spectrum (Parseval, so a sine of amplitude A in a
band reads A/√2 there, as it does in `level`), onset strength over its running peak, and the beat grid:
aubio's tracker skips a beat now and then, so beats are counted on a grid anchored at its last beat and
stepped at its period, re-anchored (never counted twice) when it reports the next one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import aubio
import numpy as np

from performer.audio.names import BAND_EDGES_HZ

HOP = 256  # samples per analysis step (5.3 ms at 48 kHz); beat times land on hops
WINDOW = 1024  # FFT size: 47 Hz bins at 48 kHz, enough to split the bass band
ONSET_PEAK_HALF_LIFE = 4.0  # seconds: how fast the onset strength's reference peak forgets a loud passage
HANN_POWER = 3.0 / 8.0  # mean of the Hann window squared: Parseval's correction for the windowed spectrum


@dataclass(frozen=True)
class FeatureFrame:
    """The features of the samples since the previous frame (see names.py for their meaning and ranges)."""

    time: float  # seconds of audio analysed so far (the end of this frame's samples)
    level: float
    bands: tuple[float, ...]
    onset: float
    beat: bool
    phase: float
    tempo: float  # BPM; 0.0 until the tracker has one
    beats: int  # beats counted since the start

    def values(self) -> dict[str, float]:
        """name -> value, as the `audio` events carry them."""
        out = {"level": self.level, "onset": self.onset, "beat": float(self.beat), "phase": self.phase}
        out.update({f"band{i + 1}": value for i, value in enumerate(self.bands)})
        out["tempo"] = self.tempo
        return out


class BeatGrid:
    """Beats on a grid: anchored at the tracker's last beat, stepped at its period. A tracker beat within a
    quarter period of the last beat counted (the grid's) is that beat again, not another."""

    def __init__(self) -> None:
        self.anchor: float | None = None  # seconds of the tracker's last beat
        self.period = 0.0
        self.count = 0  # beats counted
        self.last: float | None = None  # seconds of the last beat counted
        self._index = 0  # grid steps since the anchor already counted

    def tracker_beat(self, when: float, period: float) -> None:
        self.advance(when)
        if self.last is None or abs(when - self.last) >= 0.25 * max(period, self.period):
            self.count += 1
        self.anchor, self.period, self.last, self._index = when, period, when, 0

    def advance(self, now: float) -> tuple[int, float]:
        """(beats counted up to `now`, phase 0..1 at `now`)."""
        if self.anchor is None or self.period <= 0:
            return self.count, 0.0
        steps = (now - self.anchor) / self.period
        index = max(int(math.floor(steps)), 0)
        if index > self._index:
            self.count += index - self._index
            self._index = index
            self.last = self.anchor + index * self.period
        return self.count, min(max(steps - index, 0.0), 1.0)


class AudioAnalyser:
    def __init__(self, samplerate: int, hop: int = HOP, window: int = WINDOW) -> None:
        if not 8000 <= samplerate <= 192000:
            raise ValueError(f"sample rate must be 8000..192000 Hz, got {samplerate}")
        self.samplerate, self.hop, self.window = int(samplerate), hop, window
        self.pvoc = aubio.pvoc(window, hop)
        self.onset = aubio.onset("specflux", window, hop, self.samplerate)
        self.tempo = aubio.tempo("default", window, hop, self.samplerate)
        bins = np.fft.rfftfreq(window, 1.0 / self.samplerate)
        edges = np.minimum(np.searchsorted(bins, BAND_EDGES_HZ), len(bins) - 1)  # runs of bins: one reduceat
        self.band_starts, self.band_count = edges, len(BAND_EDGES_HZ) - 1
        self.band_scale = 2.0 / (window * window * HANN_POWER)
        self.grid = BeatGrid()
        self.onset_peak = 1e-6
        self.onset_keep = 0.5 ** (hop / self.samplerate / ONSET_PEAK_HALF_LIFE)
        self.hops = 0
        self._pending = np.zeros(0, dtype=np.float32)  # samples short of a whole hop
        self._reset_frame()
        self._last = FeatureFrame(0.0, 0.0, (0.0,) * self.band_count, 0.0, False, 0.0, 0.0, 0)

    def _reset_frame(self) -> None:
        self._sum_squares, self._samples, self._frame_hops = 0.0, 0, 0
        self._band_power = np.zeros(self.band_count)
        self._onset_max, self._beat_before = 0.0, self.grid.count

    @property
    def time(self) -> float:
        return self.hops * self.hop / self.samplerate

    def feed(self, block: np.ndarray) -> None:
        """Mono samples (float, -1..1) in; every whole hop is analysed now, the rest waits for more."""
        samples = np.asarray(block, dtype=np.float32).reshape(-1)
        if len(self._pending):
            samples = np.concatenate((self._pending, samples))
        whole = len(samples) - len(samples) % self.hop
        for start in range(0, whole, self.hop):
            self._hop(samples[start : start + self.hop])
        self._pending = samples[whole:].copy()

    def _hop(self, samples: np.ndarray) -> None:
        if not samples.flags.c_contiguous:
            samples = np.ascontiguousarray(samples)
        self._sum_squares += float(np.dot(samples, samples))
        self._samples += len(samples)
        power = self.pvoc(samples).norm.astype(np.float64) ** 2
        self._band_power += np.add.reduceat(power, self.band_starts)[: self.band_count]
        self.onset(samples)
        strength = float(self.onset.get_descriptor())
        self.onset_peak = max(self.onset_peak * self.onset_keep, strength, 1e-6)
        self._onset_max = max(self._onset_max, strength / self.onset_peak)
        self.hops += 1
        if self.tempo(samples)[0]:
            self.grid.tracker_beat(float(self.tempo.get_last_s()), float(self.tempo.get_period_s()))
        self._frame_hops += 1

    def frame(self) -> FeatureFrame:
        """The features of what was fed since the last call. A frame with no whole hop since the last one
        (the audio came in a larger block) repeats the last values, without a beat."""
        if self._frame_hops == 0:
            self._last = FeatureFrame(
                self.time, self._last.level, self._last.bands, self._last.onset, False, self._last.phase,
                self._last.tempo, self._last.beats,
            )  # fmt: skip
            return self._last
        beats, phase = self.grid.advance(self.time)
        bands = np.sqrt(self._band_power * self.band_scale / self._frame_hops)
        bpm = float(self.tempo.get_bpm())
        self._last = FeatureFrame(
            self.time,
            math.sqrt(self._sum_squares / self._samples),
            tuple(float(b) for b in bands),
            min(self._onset_max, 1.0),
            beats > self._beat_before,
            phase,
            bpm if math.isfinite(bpm) and bpm > 0 else 0.0,
            beats,
        )
        self._reset_frame()
        return self._last


def frame_ends(sample_count: int, samplerate: int, fps: float, frames: int | None = None) -> np.ndarray:
    """The sample index each video frame's audio ends at: frame k shows the samples up to (k + 1) / fps, so a
    frame's features are those of the sound while it is on screen (the analysis is causal)."""
    if frames is None:
        frames = video_frames(sample_count, samplerate, fps)
    ends = np.round((np.arange(frames) + 1) * samplerate / fps).astype(np.int64)
    return np.minimum(ends, sample_count)


def video_frames(sample_count: int, samplerate: int, fps: float) -> int:
    """Frames of a video as long as the song (within half a frame)."""
    return max(1, round(sample_count / samplerate * fps))


def analyse(samples: np.ndarray, samplerate: int, fps: float) -> list[FeatureFrame]:
    """A whole mono song, one FeatureFrame per video frame (the same as feeding it live frame by frame)."""
    analyser = AudioAnalyser(samplerate)
    frames, start = [], 0
    for end in frame_ends(len(samples), samplerate, fps):
        analyser.feed(samples[start:end])
        frames.append(analyser.frame())
        start = end
    return frames
