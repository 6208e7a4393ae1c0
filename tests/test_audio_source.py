"""The live path with no sound card: blocks fed to the very callback PortAudio's thread calls, then the hub's
frame. A tone burst every 2 s peaks the mapped latent at each burst; every 4th beat fires an action; the
queue is bounded; no device (or no PortAudio) is one line; a song plays on the frame clock or to a device."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import soundfile
from audio_signals import RATE, burst_envelope, click_track, correlation, tone_bursts

from performer.controls.hub import ControlHub
from performer.sources.audio import AudioSource, open_audio
from performer.sources.base import SourceOptions, SourceSetup
from performer.state import PerformanceState

FPS, BLOCK = 60, 512


def live_show(tmp_path, controls: str, samples: np.ndarray, actions=None):
    """Play `samples` into a hub through AudioSource.callback in PortAudio-sized blocks, one frame at a time
    (the blocks due by each frame first); returns the state after every frame and the hub."""
    mapping = tmp_path / "audio.yaml"
    mapping.write_text("controls:\n" + controls)
    source = AudioSource(RATE, "test input")
    hub = ControlHub([mapping], osc=False, midi=False, actions=actions)
    hub.sources.put("audio", source)  # in the table's place: no real sound card is opened beside it
    hub.start()
    state, z, sent = PerformanceState(), [], 0
    for frame in range(int(len(samples) / RATE * FPS)):
        now = (frame + 1) / FPS
        while sent + BLOCK <= now * RATE:
            block = samples[sent : sent + BLOCK].reshape(-1, 1)  # InputStream's (frames, channels)
            source.callback(block, BLOCK, None, None)
            sent += BLOCK
        hub.update(state, now, 1 / FPS)
        z.append(state.z.copy())
    return np.array(z), hub, source


def test_a_tone_burst_every_2_s_peaks_the_mapped_latent(tmp_path):
    samples = tone_bursts(10.0)  # 0.4 s Hann bursts of a 1 kHz sine at 0.5, from 0.5 s every 2 s
    controls = "  - {audio: level, to: z1, in: [0, 0.36], out: [0, 3], attack: 0.005, release: 0.05}\n"
    z, hub, source = live_show(tmp_path, controls, samples)
    times = (np.arange(len(z)) + 1) / FPS
    envelope = burst_envelope(times)
    assert correlation(z[:, 0], envelope) >= 0.9
    for start in np.arange(0.5, 10.0, 2.0):  # the latent's peak in each 2 s window falls in its burst
        window = (times >= start - 0.5) & (times < start + 1.5)
        peak = times[window][np.argmax(z[window, 0])]
        assert start + 0.1 <= peak <= start + 0.4
        assert z[window, 0].max() > 2.5  # a 0.5 sine's RMS (0.354) near the top of in: [0, 0.36]
    assert np.all(z[:, 1:] == 0)  # the others untouched
    assert source.stats["blocks"] == 937 and source.stats["overflow"] == 0


def test_every_4th_beat_fires_the_next_landmark(tmp_path):
    fired = []
    controls = "  - {audio: beat, to: preset_next, every: 4}\n  - {audio: phase, to: z2, out: [0, 1]}\n"
    z, hub, source = live_show(tmp_path, controls, click_track(128, 12), {"preset_next": lambda: fired.append(1)})
    beats = source.last.beats
    assert beats >= 20  # 12 s at 128 BPM, the tracker locked after about 2 s
    assert len(fired) == beats // 4
    assert abs(source.last.tempo - 128) <= 1
    assert 0.0 <= z[:, 1].min() < 0.1 and 0.9 < z[:, 1].max() <= 1.0  # the phase sweeps each beat


def test_the_queue_is_bounded_and_junk_is_counted():
    source = AudioSource(RATE, "test", max_blocks=4)
    block = np.zeros((256, 2), np.float32)
    source.callback(["junk"], 0, None, None)
    for _ in range(10):
        source.callback(block, 256, None, None)
    source.callback(block, 256, None, "input overflow")
    # the frame thread was away: 7 dropped, never waited for
    assert source.stats == {"malformed": 1, "blocks": 4, "overflow": 7, "xruns": 1}
    events = source.events(1.0)
    assert {e.number for e in events} == {
        "level",
        "band1",
        "band2",
        "band3",
        "band4",
        "onset",
        "beat",
        "phase",
        "tempo",
    }
    assert all(e.kind == "audio" and e.value == 0.0 for e in events)  # 4 blocks of silence
    assert source.analyser.hops == 4


class NoDevices:
    """sounddevice as it is on a machine with no sound card."""

    def query_devices(self, device=None, kind=None):
        if kind is None:
            return []
        raise RuntimeError("Error querying device -1")


def test_no_device_is_one_line_and_the_show_goes_on(caplog):
    with caplog.at_level(logging.WARNING):
        source = open_audio(SourceSetup(SourceOptions(audio_in="default", audio_backend=NoDevices())))
    assert source.error_lines() == ["audio input 'default': this machine has no sound device; no audio features"]
    assert len(caplog.records) == 1
    assert source.events(0.0) == [] and source.status_line() is None
    assert open_audio(SourceSetup(SourceOptions())) is None  # nothing asks for audio
    wanted = open_audio(SourceSetup(SourceOptions(audio_backend=NoDevices()), families={"audio"}))
    assert wanted is not None and wanted.error_lines()  # a mapping binds audio: the default input is tried


def test_the_real_sounddevice_here_says_so_in_one_line():
    sounddevice = pytest.importorskip("sounddevice")
    if len(sounddevice.query_devices()):
        pytest.skip("this machine has a sound device")
    source = open_audio(SourceSetup(SourceOptions(audio_in="USB")))
    assert source.error_lines() == ["audio input 'USB': this machine has no sound device; no audio features"]


def test_a_song_on_the_frame_clock_and_to_a_device(tmp_path):
    song = np.sin(2 * np.pi * 1000 * np.arange(RATE) / RATE).astype(np.float32) * 0.3
    soundfile.write(tmp_path / "song.wav", song, RATE, subtype="FLOAT")
    source = open_audio(SourceSetup(SourceOptions(audio_file=str(tmp_path / "song.wav"), audio_backend=NoDevices())))
    assert source.playback is not None and source.error_lines() == []
    for frame in range(91):  # 1.5 s: the 1 s song loops
        events = {e.number: e.value for e in source.events(frame / 60)}
    assert source.analyser.hops * 256 + len(source.analyser._pending) == int(1.5 * RATE)
    assert events["level"] == pytest.approx(0.3 / np.sqrt(2), abs=0.003)

    class OneDevice(NoDevices):
        def OutputStream(self, **options):  # noqa: N802 (sounddevice's name)
            self.options = options
            return self

        def start(self):
            pass

    device = OneDevice()
    source = open_audio(SourceSetup(SourceOptions(audio_file=str(tmp_path / "song.wav"), audio_backend=device)))
    assert device.options["samplerate"] == RATE and device.options["channels"] == 1 and source.playback is None
    out = np.zeros((1000, 1), np.float32)
    device.options["callback"](out, 1000, None, None)  # what PortAudio's thread calls for the next block
    assert np.array_equal(out[:, 0], song[:1000])  # played ...
    assert np.array_equal(source._blocks[0], song[:1000])  # ... and the same block analysed


def test_a_bad_song_is_one_line(tmp_path):
    (tmp_path / "song.wav").write_bytes(b"RIFF junk")
    source = open_audio(SourceSetup(SourceOptions(audio_file=str(tmp_path / "song.wav"), audio_backend=NoDevices())))
    assert len(source.error_lines()) == 1 and "song.wav" in source.error_lines()[0]
