"""The alpha codecs: HAP Alpha, ProRes 4444 and png sequences store a pixel format with alpha (what ffprobe
reports), and their decoded alpha is the renderer's within each codec's quantisation, written directly,
recorded live and rendered by `performer render` (transparent by default with an alpha codec)."""

from __future__ import annotations

import re
import shutil
import subprocess

import numpy as np
import pytest
import yaml
from alpha_frames import SIZE, TRANSPARENT, garment_state, moving_frames

from performer.cli import main
from performer.outputs.recorder import LiveRecorder
from performer.paths import DEFAULT_MODEL
from performer.record.codecs import CODECS
from performer.record.probe import frames_kept, pixel_format, read_frames
from performer.record.writer import FfmpegWriter
from performer.render.cppn_renderer import CppnRenderer
from performer.render.weights import CppnWeights

ALPHA_FORMATS = {"hap_alpha": "rgba", "prores_4444": "yuva444p12le", "png": "rgba"}  # what ffprobe reports


@pytest.fixture(scope="module")
def weights():
    return CppnWeights.from_file(DEFAULT_MODEL)


@pytest.fixture(scope="module")
def renderer(ctx, weights):
    made = CppnRenderer(ctx, weights, "texture")  # quick to compile; the same shader source as const
    yield made
    made.release()


def hap_alpha_bound(alpha: np.ndarray) -> np.ndarray:
    """Per pixel, the most a DXT5 block (HAP Alpha) can be off: its alpha is 8 levels spread evenly between
    the block's two 8-bit end points (the block's min and max), so a value is at most half a step,
    (max - min) / 14, from the nearest level, plus one for the levels' own rounding."""
    h, w = alpha.shape
    blocks = alpha.reshape(h // 4, 4, w // 4, 4).astype(np.float64)
    spread = blocks.max(axis=(1, 3)) - blocks.min(axis=(1, 3))
    return np.kron(spread / 14.0 + 1.0, np.ones((4, 4)))


def ffprobe_pix_fmt(path) -> str | None:
    """ffprobe's own answer when it is installed (the bundled ffmpeg has no ffprobe)."""
    if shutil.which("ffprobe") is None:
        return None
    target = str(path / "%06d.png") if path.is_dir() else str(path)
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=pix_fmt", "-of", "csv=p=0"]
        + [target],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


def check_alpha_file(path, codec: str, frames: list[np.ndarray]) -> None:
    assert pixel_format(path) == ALPHA_FORMATS[codec]
    assert ffprobe_pix_fmt(path) in (None, ALPHA_FORMATS[codec])
    decoded = [np.frombuffer(f, np.uint8).reshape(SIZE[1], SIZE[0], 4) for f in read_frames(path, "rgba")]
    assert len(decoded) == len(frames)
    for got, want in zip(decoded, frames, strict=True):
        error = np.abs(got[..., 3].astype(int) - want[..., 3])
        clear = want[..., 3] == 0
        if codec == "png":  # lossless
            assert np.array_equal(got, want)
        elif codec == "prores_4444":  # alpha kept at 16 bits, decoded at 12: one 8-bit step at most
            assert error.max() <= 1
            assert np.abs(got[clear][:, :3].astype(int)).max() <= 1  # black through 10-bit YUV and back
        else:
            assert (error <= hap_alpha_bound(want[..., 3])).all()
            empty = np.kron(want[..., 3].reshape(16, 4, 24, 4).max(axis=(1, 3)) == 0, np.ones((4, 4), bool))
            assert empty.sum() > 100 and not got[empty].any()  # a block with nothing in it is (0, 0, 0, 0)


@pytest.mark.parametrize("codec", sorted(ALPHA_FORMATS))
def test_alpha_codecs_store_the_mask(tmp_path, weights, renderer, codec):
    frames = moving_frames(weights, renderer, 3)
    path = tmp_path / ("clip" if CODECS[codec].sequence else f"clip{CODECS[codec].extension}")
    with FfmpegWriter(path, SIZE, 10, codec, flip=True) as writer:  # bottom row first, as read from GL
        for frame in frames:
            writer.write(frame[::-1].tobytes())
    check_alpha_file(path, codec, frames)
    if CODECS[codec].sequence:
        assert sorted(p.name for p in path.iterdir()) == ["000001.png", "000002.png", "000003.png"]


@pytest.mark.parametrize("codec", ["hap_alpha", "png"])
def test_live_recording_with_alpha(tmp_path, weights, renderer, codec):
    recorder = LiveRecorder(tmp_path, fps=10, codec=codec, queue_frames=64)
    path = recorder.start()
    frames = moving_frames(weights, renderer, 4)
    for i in range(4):
        state = garment_state(weights, 5 + i, background=TRANSPARENT, rotation=12.0 * i, zoom=1.0 + 0.1 * i)
        recorder(renderer.render(state, SIZE), 0.1 * i)
    recorder.close()
    assert path.is_dir() == CODECS[codec].sequence and path.suffix == ("" if CODECS[codec].sequence else ".mov")
    assert frames_kept(path) == 4
    check_alpha_file(path, codec, frames)
    if CODECS[codec].sequence:
        assert not [p for p in path.iterdir() if not re.fullmatch(r"\d{6}\.png", p.name)]  # no temporary files


# ---- performer render --------------------------------------------------------------------------------------------


def render(tmp_path, out, *extra: str) -> int:
    walk = tmp_path / "walk.yaml"
    noise = {"kind": "noise", "seed": 3, "center": {"z": [0.0] * 8}, "radius": 1.0, "amplitude": 1.0, "period": 1}
    walk.write_text(yaml.safe_dump(noise))
    args = ["render", str(walk), "--out", str(out), "--size", "32x32", "--fps", "4", "--weights", "texture"]
    return main([*args, "--no-progress", "--landmarks", str(tmp_path / "none.yaml"), *extra])


def test_render_png_sequence_is_transparent_by_default_and_keeps_a_full_folder(tmp_path, capsys):
    out = tmp_path / "frames"
    assert render(tmp_path, out, "--codec", "png") == 0
    assert "png, transparent background" in capsys.readouterr().out
    assert sorted(p.name for p in out.iterdir()) == [f"{i:06d}.png" for i in range(1, 5)]  # a 1 s loop at 4 fps
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # the temporary folder was renamed
    assert pixel_format(out) == "rgba"
    frames = [np.frombuffer(f, np.uint8).reshape(32, 32, 4) for f in read_frames(out, "rgba")]
    for frame in frames:
        assert (frame[..., 3] == 0).any() and (frame[..., 3] == 255).any()
        assert not frame[frame[..., 3] == 0][:, :3].any()
    before = sorted(p.stat().st_mtime_ns for p in out.iterdir())
    assert render(tmp_path, out, "--codec", "png") == 2  # frames of another render are never mixed in
    assert "is a folder with files in it" in capsys.readouterr().err
    assert sorted(p.stat().st_mtime_ns for p in out.iterdir()) == before


def test_render_prores_4444_with_the_colour_background_is_opaque(tmp_path):
    out = tmp_path / "opaque.mov"
    assert render(tmp_path, out, "--codec", "prores_4444", "--background", "colour") == 0
    assert pixel_format(out) == "yuva444p12le"
    alpha = np.stack([np.frombuffer(f, np.uint8).reshape(32, 32, 4)[..., 3] for f in read_frames(out, "rgba")])
    assert alpha.shape == (4, 32, 32) and alpha.min() >= 254


def test_hap_alpha_sizes_are_multiples_of_4_and_the_other_alpha_codecs_take_any(tmp_path):
    from performer.record.codecs import CodecError, check_codec, check_size

    with pytest.raises(CodecError, match="got 66x38; try 64x36 or 68x40, or --codec prores_4444 / png for any size"):
        check_size(check_codec("hap_alpha"), (66, 38))
    for codec, path in (("prores_4444", tmp_path / "odd.mov"), ("png", tmp_path / "odd")):
        frame = np.zeros((37, 63, 4), np.uint8)
        frame[10:20, 10:30] = (200, 100, 50, 128)
        with FfmpegWriter(path, (63, 37), 10, codec) as writer:
            writer.write(frame)
        (got,) = read_frames(path, "rgba")
        assert np.abs(np.frombuffer(got, np.uint8).reshape(37, 63, 4).astype(int) - frame).max() <= 2, codec
