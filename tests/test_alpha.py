"""The transparent background: alpha is the garment's mask (the one the prints lie on), colour straight and
black where alpha is 0; the opaque mode renders exactly what it did before alpha existed; RGBA through the
shared readback; and the alpha codecs (HAP Alpha, ProRes 4444, png sequences) store an alpha pixel format
whose decoded alpha is the renderer's within each codec's quantisation, offline and live."""

from __future__ import annotations

import re
import shutil
import subprocess

import numpy as np
import pytest
import yaml

from performer.canvas_pixels import render_garment
from performer.cli import main
from performer.outputs.base import CaptureOutput, OutputBase
from performer.outputs.recorder import LiveRecorder
from performer.paths import DEFAULT_MODEL, SHADER_DIR
from performer.record.codecs import CODECS
from performer.record.probe import frames_kept, pixel_format, read_frames
from performer.record.writer import FfmpegWriter
from performer.render.context import create_headless_context
from performer.render.cppn_renderer import CppnRenderer
from performer.render.weights import CppnWeights
from performer.state import PerformanceState

SIZE = (96, 64)  # multiples of 4 (HAP)
TRANSPARENT = 1
MASK_LOW, MASK_HIGH = 0.04, 0.25  # shaders/cppn.glsl: the prints' mask ramps over these levels
ALPHA_FORMATS = {"hap_alpha": "rgba", "prores_4444": "yuva444p12le", "png": "rgba"}  # what ffprobe reports


@pytest.fixture(scope="module")
def ctx():
    context = create_headless_context()
    yield context
    context.release()


@pytest.fixture(scope="module")
def weights():
    return CppnWeights.from_file(DEFAULT_MODEL)


@pytest.fixture(scope="module")
def renderer(ctx, weights):
    made = CppnRenderer(ctx, weights, "texture")  # quick to compile; the same shader source as const
    yield made
    made.release()


def garment_state(weights, index: int = 3, **params) -> PerformanceState:
    state = PerformanceState(latent_dim=weights.latent_dim)
    state.set_z(weights.garments[index])
    for name, value in params.items():
        state.set(name, value)
    return state


def rgba(renderer, state, size=SIZE) -> np.ndarray:
    """uint8 [height, width, 4], row 0 at the top."""
    target = renderer.render(state, size)
    raw = target.framebuffer.read(components=4, alignment=1)
    return np.frombuffer(raw, np.uint8).reshape(size[1], size[0], 4)[::-1].copy()


def smoothstep_mask(level: np.ndarray) -> np.ndarray:
    t = np.clip((level - MASK_LOW) / (MASK_HIGH - MASK_LOW), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


# ---- the shaders as they were before alpha ------------------------------------------------------------------


def replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"the shader changed: {old!r} is not there once; update this test's reversal"
    return text.replace(old, new)


def shaders_before_alpha(folder):
    """shaders/ with cppn.glsl and upscale.glsl turned back into the code before the transparent mode: the
    background colour always added, alpha 1, the upscaler filtering RGB only. Unused declarations stay (they
    generate no code)."""
    shutil.copytree(SHADER_DIR, folder)
    cppn = (SHADER_DIR / "cppn.glsl").read_text()
    cppn = replace_once(
        cppn,
        "    if (u_transparent == 0) {\n        colour += u_background * (1.0 - graded);\n    }\n",
        "    colour += u_background * (1.0 - graded);\n",
    )
    cppn, count = re.subn(
        r"    if \(u_transparent == 0\) \{\n        frag_color = .*?\n    \}\n}",
        "    frag_color = vec4(clamp(colour, 0.0, 1.0) * u_master, 1.0);\n}",
        cppn,
        flags=re.S,
    )
    assert count == 1
    cppn = replace_once(cppn, "total * garment_mask(level);", "total * smoothstep(MASK_LOW, MASK_HIGH, level);")
    (folder / "cppn.glsl").write_text(cppn)
    upscale = (SHADER_DIR / "upscale.glsl").read_text()
    upscale = replace_once(upscale, "vec4 texel(ivec2 at)", "vec3 texel(ivec2 at)")
    upscale = replace_once(upscale, "clamp(at, ivec2(0), last), 0);", "clamp(at, ivec2(0), last), 0).rgb;")
    upscale = replace_once(upscale, "    vec4 colour = vec4(0.0);", "    vec3 colour = vec3(0.0);")
    upscale = replace_once(upscale, "        vec4 row = ", "        vec3 row = ")
    upscale, count = re.subn(
        r"\n    // Opaque frames stay opaque.*?\n    frag_color = [^\n]*\n",
        "\n    frag_color = vec4(clamp(colour, 0.0, 1.0), 1.0);\n",
        upscale,
        flags=re.S,
    )
    assert count == 1
    (folder / "upscale.glsl").write_text(upscale)
    return folder


OPAQUE_LOOKS = [
    {},
    {"palette": 3, "bg_r": 0.3, "bg_b": 0.7, "contrast": 1.5, "brightness": 0.1, "master": 0.6},
    {"print_opacity": 1.0, "print_a": 1, "bg_g": 0.5, "zoom": 1.7, "rotation": 30.0},
    {"palette": 1, "bg_r": 1.0, "bg_g": 1.0, "bg_b": 1.0, "master": 0.0},
]


def test_the_colour_background_renders_bit_identical_to_the_shaders_before_alpha(ctx, weights, renderer, tmp_path):
    before = CppnRenderer(ctx, weights, "texture", shaders_before_alpha(tmp_path / "shaders"))
    try:
        for scale in (1.0, 0.5):  # 0.5: drawn at half size and upscaled
            renderer.render_scale = before.render_scale = scale
            for look in OPAQUE_LOOKS:
                state = garment_state(weights, **look)
                now, then = rgba(renderer, state), rgba(before, state)
                assert np.array_equal(now, then), (scale, look)
                assert (now[..., 3] == 255).all()
                assert now[..., :3].std() > 0 or look.get("master") == 0.0  # a picture, not a blank
    finally:
        renderer.render_scale = 1.0
        before.release()


# ---- the transparent background ---------------------------------------------------------------------------------


def test_transparent_alpha_is_the_garment_mask_and_colour_is_straight(weights, renderer):
    side = 128
    state = garment_state(weights, background=TRANSPARENT)
    image = rgba(renderer, state, (side, side))
    alpha = image[..., 3].astype(np.float64)
    # The mask from the model evaluated in numpy (float32 like the GPU, which differs by ~1e-4 of a step):
    # 8-bit rounding is half a step; alpha below one step is snapped to 0 (transparent black), so those
    # pixels are less than one step off.
    want = 255.0 * smoothstep_mask(render_garment(weights, state.z, side))
    error = np.abs(alpha - want)
    assert error[alpha > 0].max() <= 0.5 + 0.01 and error[alpha == 0].max() <= 1.0 + 0.01
    assert 0.2 < (alpha == 0).mean() < 0.8 and (alpha == 255).mean() > 0.1  # a garment on a clear background
    assert (image[alpha == 0][:, :3] == 0).all()  # transparent black, exactly
    # Straight: where the garment shows, the colour is the opaque render's on black, not scaled by alpha.
    opaque = rgba(renderer, garment_state(weights))
    transparent = rgba(renderer, garment_state(weights, background=TRANSPARENT))
    shown = transparent[..., 3] > 0
    partial = shown & (transparent[..., 3] < 200)
    assert partial.sum() > 20  # the soft edge, where premultiplied colour would be much darker
    assert np.array_equal(transparent[shown][:, :3], opaque[shown][:, :3])
    # No background colour in the transparent mode: the layers below are the background.
    coloured = rgba(renderer, garment_state(weights, background=TRANSPARENT, bg_r=1.0, bg_b=0.5))
    assert np.array_equal(coloured, transparent)
    # Master fades the layer out through alpha; the colour stays.
    half = rgba(renderer, garment_state(weights, background=TRANSPARENT, master=0.5))
    both = (half[..., 3] > 0) & shown
    assert np.abs(half[..., 3].astype(int) - np.round(transparent[..., 3] * 0.5)).max() <= 1
    assert np.array_equal(half[both][:, :3], transparent[both][:, :3])
    assert not rgba(renderer, garment_state(weights, background=TRANSPARENT, master=0.0)).any()


def test_the_prints_lie_on_the_same_mask_that_is_the_alpha(weights, renderer):
    plain = rgba(renderer, garment_state(weights, background=TRANSPARENT))
    printed = rgba(renderer, garment_state(weights, background=TRANSPARENT, print_opacity=1.0, print_a=1))
    assert np.array_equal(printed[..., 3], plain[..., 3])
    changed = np.abs(printed[..., :3].astype(int) - plain[..., :3]).max(axis=2) > 0
    assert changed.any() and (plain[..., 3][changed] > 0).all()  # the print only where the garment is


# ---- RGBA through the shared readback -----------------------------------------------------------------------------


class Collect(CaptureOutput):
    def __init__(self, label: str, rgba_pixels: bool) -> None:
        self.label, self.rgba_pixels, self.got = label, rgba_pixels, []

    @property
    def name(self) -> str:
        return self.label

    def frame(self, frame) -> None:
        (self.capture_rgba if self.rgba_pixels else self.capture)(frame, frame.number)

    def pixels(self, data, size, tag) -> None:
        components = len(data) // (size[0] * size[1])
        self.got.append((tag, np.frombuffer(data, np.uint8).reshape(size[1], size[0], components)[::-1].copy()))


class Shown(OutputBase):
    def __init__(self) -> None:
        self.images = {}

    def frame(self, frame) -> None:
        size = frame.target.size
        raw = frame.target.framebuffer.read(components=4, alignment=1)
        self.images[frame.number] = np.frombuffer(raw, np.uint8).reshape(size[1], size[0], 4)[::-1].copy()


def test_rgb_and_rgba_consumers_each_get_their_read_of_every_frame(ctx, weights, renderer):
    from performer.app import App
    from performer.render.window import HeadlessSurface

    surface = HeadlessSurface((48, 32), ctx)  # the module's context: one current context for every test
    own = CppnRenderer(ctx, weights, "texture")
    app = App(surface, own, garment_state(weights, background=TRANSPARENT), seed=0)
    shown, rgb, ndi, key = Shown(), Collect("rgb", False), Collect("ndi", True), Collect("key", True)
    try:
        for output in (shown, rgb, ndi, key):
            assert app.add_output(output)
        for step in range(5):
            app.state.set_latent(0, float(np.sin(step + 1.0)))
            app.step(step / 60.0, 1 / 60.0)
        for output in (rgb, ndi, key):
            output.flush_pixels()
        assert [n for n, _ in ndi.got] == [n for n, _ in rgb.got] == [1, 2, 3, 4, 5]
        for (number, colour), (_, with_alpha), (_, same) in zip(rgb.got, ndi.got, key.got, strict=True):
            assert colour.shape == (32, 48, 3) and with_alpha.shape == (32, 48, 4)
            assert np.array_equal(with_alpha, shown.images[number]) and np.array_equal(same, with_alpha)
            assert np.array_equal(colour, shown.images[number][..., :3])
            assert 0 < (with_alpha[..., 3] == 0).mean() < 1
        stats = app.readback.stats()
        assert stats["reads"] == 10 and stats["shared"] == 5  # one RGB and one RGBA read a frame; key shares
    finally:
        app.close()
        own.release()
        surface.close()


# ---- the alpha codecs -------------------------------------------------------------------------------------------


def moving_frames(weights, renderer, count: int) -> list[np.ndarray]:
    """RGBA frames of a garment turning and zooming, row 0 at the top."""
    frames = []
    for i in range(count):
        state = garment_state(weights, 5 + i, background=TRANSPARENT, rotation=12.0 * i, zoom=1.0 + 0.1 * i)
        frames.append(rgba(renderer, state))
    return frames


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
