"""The transparent background: alpha is the garment's mask (the one the prints lie on), colour straight and
black where alpha is 0; the colour background renders exactly what it did before alpha existed; RGBA and
RGB consumers each get their read through the shared readback; OSC switches the mode by name."""

from __future__ import annotations

import re
import shutil

import numpy as np
import pytest
from alpha_frames import TRANSPARENT, garment_state, rgba

from performer.canvas_pixels import render_garment
from performer.outputs.base import CaptureOutput, OutputBase
from performer.paths import DEFAULT_MODEL, SHADER_DIR
from performer.render.cppn_renderer import CppnRenderer
from performer.render.weights import CppnWeights
from performer.state import PerformanceState

MASK_LOW, MASK_HIGH = 0.04, 0.25  # shaders/cppn.glsl: the prints' mask ramps over these levels


@pytest.fixture(scope="module")
def weights():
    return CppnWeights.from_file(DEFAULT_MODEL)


@pytest.fixture(scope="module")
def renderer(ctx, weights):
    made = CppnRenderer(ctx, weights, "texture")  # quick to compile; the same shader source as const
    yield made
    made.release()


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


def test_osc_switches_the_background_by_name_or_number():
    import socket
    import time

    from pythonosc.osc_message_builder import OscMessageBuilder

    from performer.controls.hub import ControlHub

    hub = ControlHub([], osc_port=0, midi=False, actions={}).start()
    state, sock = PerformanceState(), socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        for argument, want in (("transparent", 1.0), ("colour", 0.0), (1, 1.0), ("no-such-mode", 1.0)):
            before = hub.osc.stats["received"]
            builder = OscMessageBuilder("/performer/param/background")
            builder.add_arg(argument)
            sock.sendto(builder.build().dgram, hub.osc.address)
            deadline = time.monotonic() + 3.0
            while hub.osc.stats["received"] == before and time.monotonic() < deadline:
                time.sleep(0.002)
            hub.update(state, time.monotonic(), 1 / 60)
            assert state.params["background"] == want, argument  # an unknown name changes nothing
    finally:
        hub.close()
        sock.close()
