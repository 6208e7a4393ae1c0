"""The audio source: the features of sound (performer/audio/features.py) as `audio` events, one of each feature a
frame, for `audio:` mappings. Two inputs share one analysis path:

  - live input (`--audio-in DEVICE`): a sounddevice InputStream over PortAudio. Its callback runs on
    PortAudio's thread and only hands the block over through a bounded queue (a stalled frame thread drops
    blocks and counts them, never blocks the callback); the frame thread analyses what came, about 0.3 ms a
    60 fps frame;
  - a song (`--audio-file SONG`), looped: with a sound device an OutputStream plays it, and its callback hands
    the very block it plays to the same queue (what is heard is what moves the picture); with none, the frame
    clock walks through the song, analysed as if it played.

A machine with no sound device (or no PortAudio) is one line in the log and on the HUD, and the show goes on.
The source opens (`open_audio`) when an option asks for it or a mapping binds an audio feature (then the
default input device).
"""

from __future__ import annotations

import logging
from collections import Counter, deque

import numpy as np

from performer.audio.features import AudioAnalyser, FeatureFrame
from performer.audio.files import AudioFileError, Song, read_song
from performer.controls.events import ControlEvent, check_number
from performer.sources.base import SourceSetup

log = logging.getLogger(__name__)

MAX_BLOCKS = 64  # blocks waiting for the frame thread: about 1.4 s of 1024-sample blocks at 48 kHz
MAX_CATCH_UP = 1.0  # seconds of a song the frame clock analyses in one frame after a stall (the rest is skipped)
DEFAULT_RATE = 48000


def mono_block(block) -> np.ndarray:
    """A PortAudio block (frames x channels) as a new mono float32 array (PortAudio reuses its buffer)."""
    data = np.asarray(block, dtype=np.float32)
    if data.ndim == 1:
        return data.copy()
    return data[:, 0].copy() if data.shape[1] == 1 else data.mean(axis=1, dtype=np.float32)


class AudioSource:
    name = "audio"

    def __init__(self, samplerate: int = DEFAULT_RATE, device: str = "", max_blocks: int = MAX_BLOCKS) -> None:
        self.analyser = AudioAnalyser(samplerate)
        self.device = device
        self.max_blocks = max_blocks
        self.stats: Counter = Counter()
        self.problem: str | None = None
        self.stream = None  # the sounddevice stream, when one is open
        self.playback: SongPlayback | None = None  # a song on the frame clock (no output device)
        self.last: FeatureFrame | None = None
        self._blocks: deque[np.ndarray] = deque()

    # ---- PortAudio's thread -----------------------------------------------------------------------------
    def callback(self, indata, frames, time_info, status) -> None:
        """sounddevice's stream callback (also the tests' way in). Never raises, never waits."""
        try:
            if status:
                self.stats["xruns"] += 1
            if len(self._blocks) >= self.max_blocks:
                self.stats["overflow"] += 1
                return
            self._blocks.append(mono_block(indata))
            self.stats["blocks"] += 1
        except Exception:  # a block of junk from a backend: dropped, the stream lives on
            self.stats["malformed"] += 1

    # ---- the frame thread -------------------------------------------------------------------------------
    def events(self, now: float) -> list[ControlEvent]:
        if self.playback is not None:
            self.playback.advance(now)
        fed = False
        while self._blocks:
            self.analyser.feed(self._blocks.popleft())
            fed = True
        if not fed and self.last is None:
            return []  # nothing heard yet: no values to drive anything with
        self.last = frame = self.analyser.frame()
        return [
            ControlEvent("audio", name, check_number(value), None, self.device, now)
            for name, value in frame.values().items()
        ]

    def status_line(self) -> str | None:
        frame = self.last
        if frame is None:
            return None if self.problem else f"audio {self.device}: waiting for sound"
        tempo = f", {frame.tempo:.1f} BPM" if frame.tempo else ""
        lost = self.stats["overflow"] + self.stats["xruns"]
        return f"audio {self.device}: level {frame.level:.2f}, beat {frame.beats}{tempo}" + (
            f" ({lost} blocks lost)" if lost else ""
        )

    def error_lines(self) -> list[str]:
        return [self.problem] if self.problem else []

    def close(self) -> None:
        stream, self.stream = self.stream, None
        if stream is not None:
            try:
                stream.stop()
                stream.close()
            except Exception:
                log.debug("closing the audio stream failed", exc_info=True)


class SongPlayback:
    """A song as the live source, looped: `output_callback` for a sound device, else `advance` on the frame clock."""

    def __init__(self, song: Song, source: AudioSource) -> None:
        self.song, self.source = song, source
        self.position = 0  # the next sample to play
        self.started: float | None = None
        self.clock_samples = 0  # frame clock: samples due since `started`

    def take(self, count: int) -> np.ndarray:
        """The next `count` frames (all channels), wrapping at the end."""
        samples, total = self.song.samples, len(self.song.samples)
        parts, left = [], count
        while left > 0:
            part = samples[self.position : self.position + left]
            parts.append(part)
            left -= len(part)
            self.position = (self.position + len(part)) % total
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def output_callback(self, outdata, frames, time_info, status) -> None:
        """PortAudio's thread: play the next block and hand the same block to the analysis."""
        block = self.take(frames)
        outdata[:] = block
        self.source.callback(block, frames, time_info, status)

    def advance(self, now: float) -> None:
        """No sound device: the samples due by `now` go to the analysis as if they had been played."""
        if self.started is None:
            self.started = now
        rate = self.song.samplerate
        due = round((now - self.started) * rate)
        count = due - self.clock_samples
        self.clock_samples = due
        if count <= 0:
            return
        skip = count - round(MAX_CATCH_UP * rate)
        if skip > 0:  # the frame thread stalled: what it missed is skipped, as a listener would have heard it
            self.position = (self.position + skip) % len(self.song.samples)
            count -= skip
        self.source.callback(self.take(count), count, None, None)


def load_backend(backend=None):
    """(the sounddevice module or the stand-in given, None) or (None, why there is no sound here)."""
    if backend is not None:
        return backend, None
    try:
        import sounddevice
    except (ImportError, OSError) as exc:  # OSError: the PortAudio library is missing (Debian libportaudio2)
        return None, f"no sound system ({str(exc).strip() or type(exc).__name__})"
    return sounddevice, None


def device_reason(backend, exc: Exception) -> str:
    """Why a stream did not open, in a few words: the machine has no device at all, or the library's reason."""
    try:
        if len(backend.query_devices()) == 0:
            return "this machine has no sound device"
    except Exception:
        pass
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def parse_device(text: str | None) -> int | str | None:
    """--audio-in's DEVICE: an index, a name substring, or None for the system's default."""
    if text is None or text.strip().lower() in ("", "default"):
        return None
    return int(text) if text.strip().isdigit() else text


def open_input(options, backend) -> AudioSource:
    device = parse_device(options.audio_in)
    label = options.audio_in or "default"
    try:
        info = backend.query_devices(device, "input")
        rate = int(info["default_samplerate"]) if info.get("default_samplerate") else DEFAULT_RATE
        source = AudioSource(rate, str(info.get("name", label)))
        source.stream = backend.InputStream(device=device, channels=1, samplerate=rate, callback=source.callback)
        source.stream.start()
    except Exception as exc:  # PortAudioError, ValueError (no device matching): one line, no features
        source = AudioSource(DEFAULT_RATE, label)
        source.problem = f"audio input {label!r}: {device_reason(backend, exc)}; no audio features"
        log.warning("%s", source.problem)
        return source
    log.info("audio input: %s at %d Hz", source.device, rate)
    return source


def open_song(path: str, backend, problem: str | None) -> AudioSource:
    try:
        song = read_song(path)
    except AudioFileError as exc:
        source = AudioSource(DEFAULT_RATE, str(path))
        source.problem = f"audio file: {exc}"
        log.error("%s", source.problem)
        return source
    source = AudioSource(song.samplerate, song.path.name)
    playback = SongPlayback(song, source)
    if backend is not None:
        try:
            stream = backend.OutputStream(
                samplerate=song.samplerate, channels=song.channels, dtype="float32", callback=playback.output_callback
            )
            stream.start()
            source.stream = stream
            log.info("playing %s (%.1f s, looped)", song.path.name, song.seconds)
            return source
        except Exception as exc:
            problem = f"no sound out ({device_reason(backend, exc)})"
    log.warning("%s: %s analysed on the frame clock, unheard", problem, song.path.name)
    source.playback = playback
    return source


def open_audio(setup: SourceSetup) -> AudioSource | None:
    """The audio source once --audio-in or --audio-file asks for one, or a mapping binds an audio feature (the
    default input then); None until then. A missing device is the source's error line, not an exception."""
    options = setup.options
    if options.audio_file is None and options.audio_in is None and "audio" not in setup.families:
        return None
    backend, problem = load_backend(options.audio_backend)
    if options.audio_file is not None:
        return open_song(options.audio_file, backend, problem)
    if backend is None:
        source = AudioSource(DEFAULT_RATE, options.audio_in or "default")
        source.problem = f"audio input: {problem}"
        log.warning("%s", source.problem)
        return source
    return open_input(options, backend)
