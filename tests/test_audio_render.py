"""`performer render WALK --audio SONG`: the song's features on the mapped targets frame by frame, the same
frames every run, the song muxed in (AAC in mp4, PCM in mov) as long as the video, and in sync with it
within a frame: the loudest moment of the sound track and the brightest frame of the picture coincide."""

from __future__ import annotations

import subprocess

import imageio_ffmpeg
import numpy as np
import soundfile
import yaml
from audio_signals import RATE, tone_bursts

from performer.cli import main
from performer.record.probe import probe, read_frames

FPS = 30
SECONDS = 4.0  # bursts peak at 0.7 s and 2.7 s
MAPPING = "controls:\n  - {audio: level, to: master, in: [0, 0.36], out: [0, 1]}\n"
WALK = {"kind": "noise", "seed": 3, "center": {"z": [0.5] * 8}, "radius": 0.2, "amplitude": 0.5, "period": 8.0}


def render(tmp_path, model, out: str, *extra: str) -> int:
    (tmp_path / "walk.yaml").write_text(yaml.safe_dump(WALK))
    return main(
        ["render", str(tmp_path / "walk.yaml"), "--out", str(tmp_path / out), "--model", str(model)]
        + ["--no-progress", "--landmarks", str(tmp_path / "none.yaml"), "--size", "32x18", "--fps", str(FPS)]
        + ["--audio", str(tmp_path / "song.wav"), "--mapping", str(tmp_path / "level.yaml"), *extra]
    )


def sound_track(path) -> tuple[np.ndarray, str]:
    """The file's audio decoded to mono float at RATE, and ffmpeg's line for the stream."""
    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    info = subprocess.run([ffmpeg, "-hide_banner", "-i", str(path)], capture_output=True, text=True).stderr
    line = next(line for line in info.splitlines() if "Audio:" in line)
    raw = subprocess.run(
        [ffmpeg, "-v", "error", "-i", str(path), "-map", "0:a", "-ac", "1", "-ar", str(RATE), "-f", "f32le", "-"],
        capture_output=True,
        check=True,
    ).stdout
    return np.frombuffer(raw, np.float32), line


def test_a_render_to_music_is_repeatable_long_and_in_sync(tmp_path, random_model_file, capsys):
    model = random_model_file[0]
    soundfile.write(tmp_path / "song.wav", tone_bursts(SECONDS), RATE, subtype="PCM_16")
    (tmp_path / "level.yaml").write_text(MAPPING)
    assert render(tmp_path, model, "a.mp4", "--hashes", str(tmp_path / "a.txt")) == 0
    assert render(tmp_path, model, "b.mp4", "--hashes", str(tmp_path / "b.txt")) == 0
    a, b = (tmp_path / "a.txt").read_text().split(), (tmp_path / "b.txt").read_text().split()
    assert a == b and len(a) == SECONDS * FPS  # frame-exact, and as long as the song
    assert "song.wav muxed into" in capsys.readouterr().out

    info = probe(tmp_path / "a.mp4")
    assert info.frames == 120 and info.fps == FPS
    audio, line = sound_track(tmp_path / "a.mp4")
    assert "aac" in line
    assert abs(len(audio) / RATE - SECONDS) < 1 / FPS  # the sound track as long as the song (AAC pads < 1 frame)

    # sync: the sound's loudest 10 ms and the brightest frame of each burst, both read back from the file
    brightness = np.array([np.frombuffer(f, np.uint8).mean() for f in read_frames(tmp_path / "a.mp4")])
    assert brightness.max() > 20 * max(brightness.min(), 0.5)  # master follows the level: black in silence
    loudness = np.sqrt(np.convolve(audio.astype(np.float64) ** 2, np.ones(480) / 480, mode="same"))
    for start in (0.0, 2.0):
        frames = slice(int(start * FPS), int((start + 2) * FPS))
        seen = (int(start * FPS) + int(np.argmax(brightness[frames])) + 0.5) / FPS  # the frame's middle
        heard = (int(start * RATE) + int(np.argmax(loudness[int(start * RATE) : int((start + 2) * RATE)]))) / RATE
        assert abs(seen - 0.7 - start) <= 1 / FPS and abs(heard - 0.7 - start) <= 0.01
        assert abs(seen - heard) <= 1 / FPS


def test_mov_gets_pcm_and_bad_input_is_one_line(tmp_path, random_model_file, capsys):
    model = random_model_file[0]
    soundfile.write(tmp_path / "song.wav", tone_bursts(1.0), RATE, subtype="PCM_24")
    (tmp_path / "level.yaml").write_text(MAPPING)
    assert render(tmp_path, model, "a.mov", "--codec", "prores") == 0
    audio, line = sound_track(tmp_path / "a.mov")
    assert "pcm_s24le" in line and len(audio) == RATE  # PCM: every sample, no padding
    original = soundfile.read(tmp_path / "song.wav", dtype="float32")[0]
    assert np.max(np.abs(audio - original)) < 1e-6  # and the very samples

    capsys.readouterr()
    assert render(tmp_path, model, "frames", "--codec", "png") == 2
    assert "a png sequence has no sound" in capsys.readouterr().err
    (tmp_path / "song.wav").write_text("not a song")
    assert render(tmp_path, model, "c.mp4") == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "song.wav" in err and not (tmp_path / "c.mp4").exists()
    (tmp_path / "level.yaml").write_text("controls:\n  - {audio: loudness, to: z1}\n")
    soundfile.write(tmp_path / "song.wav", tone_bursts(1.0), RATE)
    assert render(tmp_path, model, "d.mp4") == 2
    assert "audio feature must be one of" in capsys.readouterr().err
