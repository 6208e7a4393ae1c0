"""The HUD on a projector: it leaves the image visible (no box), its text is legible over any image, every
character any of its line sources prints has a glyph, it reports render time and render rate apart from
the present rate, and it names the landmark while one is recalled."""

from __future__ import annotations

import os
import socket
import string
import time

import numpy as np
import pytest
import yaml
from play_args import headless_play_args

from performer.app import App
from performer.outputs.base import CallbackOutput
from performer.render import hud as layout
from performer.render.cppn_renderer import CppnRenderer
from performer.render.font import GLYPHS, UNKNOWN, glyph_cells, hud_text
from performer.render.hud import FrameTiming, Hud, hud_lines
from performer.render.weights import CppnWeights
from performer.render.window import HeadlessSurface
from performer.session import build_session
from performer.soak_inputs import osc_message
from performer.state import PerformanceState

SIZE = (480, 320)


@pytest.fixture(scope="module")
def surface():
    made = HeadlessSurface(SIZE)
    yield made
    made.close()


@pytest.fixture(scope="module")
def hud(surface):
    made = Hud(surface.ctx)
    yield made
    made.release()


def read(surface) -> np.ndarray:
    width, height = surface.size
    data = np.frombuffer(surface.screen.read(components=3), dtype=np.uint8).reshape(height, width, 3)
    return data[::-1].astype(int)  # row 0 at the top, as the HUD lays out


def put(surface, image: np.ndarray) -> None:
    rgba = np.concatenate([image, np.full((*image.shape[:2], 1), 255)], axis=2)[::-1]  # the screen is RGBA
    surface.texture.write(np.ascontiguousarray(rgba, dtype=np.uint8).tobytes())


def bright_image() -> np.ndarray:
    """A bright, busy picture: a warm gradient with stripes, nowhere darker than 120."""
    y, x = np.mgrid[0 : SIZE[1], 0 : SIZE[0]]
    red = np.full(x.shape, 250)
    green = 160 + 80 * (x / SIZE[0])
    blue = 120 + 100 * ((x // 7 + y // 5) % 2)
    return np.stack([red, green, blue], -1)


def luminance(rgb) -> float:
    """WCAG relative luminance of an sRGB colour given as 0..255."""
    c = np.asarray(rgb, dtype=float) / 255
    linear = np.where(c <= 0.03928, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return float(linear @ [0.2126, 0.7152, 0.0722])


def contrast(a, b) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def draw(surface, hud, image, status=("LANDMARK AB CD EF",), errors=()):
    put(surface, image)
    state = PerformanceState()
    state.set_z([2.0, -2.0, 1.0, 0, 0, 0, -1.0, 3.0])
    hud.draw(surface.screen, surface.size, state, FrameTiming(60.0, 0.0, 21.5), list(errors), 1.0, list(status))
    assert surface.ctx.error == "GL_NO_ERROR"
    return read(surface)


def test_the_hud_leaves_the_image_visible_around_its_text(surface, hud):
    image = bright_image()
    shown = draw(surface, hud, image)
    unchanged = np.abs(shown - image).max(axis=2) <= 2
    m = layout.MARGIN
    block = unchanged[m : m + layout.PANEL_H, m : m + layout.PANEL_W]
    # an opaque (or any) panel behind the bars and the signature changes every pixel of this area
    assert block.mean() > 0.5, f"only {block.mean():.0%} of the HUD's area still shows the image"
    # status line at the bottom: between the words (the spaces at characters 8, 11, 14) the image shows
    pitch, advance = (layout.GLYPH_H + 2) * layout.TEXT_PX, (layout.GLYPH_W + 1) * layout.TEXT_PX
    top = SIZE[1] - m - pitch - 4
    for index in (8, 11, 14):
        x = m + 2 + index * advance
        gap = unchanged[top : top + layout.GLYPH_H * layout.TEXT_PX, x + 1 : x + advance - 2]
        assert gap.all(), f"the space at character {index} is covered"


@pytest.mark.parametrize("background", [(255, 255, 255), (0, 0, 0), (128, 128, 128), "bright"])
def test_hud_text_is_legible_over_any_image(surface, hud, background):
    image = bright_image() if background == "bright" else np.broadcast_to(background, (*SIZE[::-1], 3))
    shown = draw(surface, hud, image)
    # the timing line's first letter, R: its top-left cell is lit, the cell to its left is not
    x = y = layout.MARGIN + 10
    assert (0, 0) in glyph_cells("R")
    for row in range(y, y + layout.TEXT_PX):  # each pixel row of the cell against the pixel just left of it
        for inside in shown[row, x : x + layout.TEXT_PX]:
            assert contrast(inside, shown[row, x - 1]) >= 7.0, (background, inside, shown[row, x - 1])


def test_every_character_the_hud_can_print_has_a_glyph():
    unknown = GLYPHS[UNKNOWN]
    printable = [c for c in string.printable if c not in "\t\n\r\x0b\x0c"]
    assert [c for c in printable if glyph_cells(c) == unknown] == []
    assert glyph_cells("@") != glyph_cells("?")
    # what leaves ASCII is spelt in it: accents dropped, arrows and dashes written out
    assert hud_text("café → naïve – 3×4 …") == "cafe -> naive - 3x4 ..."


@pytest.fixture
def session(random_model_file, tmp_path):
    landmarks = tmp_path / "landmarks.yaml"
    landmarks.write_text(
        yaml.safe_dump(
            {
                "landmarks": [
                    {"name": "boot", "z": [2.0, 0, 0, 0, 0, 0, 0, -1.0]},
                    {"name": "robe d'été", "z": [-1.0, 0.5, 0, 0, 0, 0, 0, 0], "palette": "ember"},
                ]
            },
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    mapping = tmp_path / "board.yaml"
    mapping.write_text("controls:\n  - {cc: 3, to: z1}\n")
    extra = ["--hud", "--weights", "texture", "--mapping", str(mapping)]
    args = headless_play_args(random_model_file[0], tmp_path, landmarks, *extra)
    weights = CppnWeights.from_file(args.model)
    surface = HeadlessSurface(args.size)
    built = build_session(args, surface, weights, PerformanceState(latent_dim=weights.latent_dim))
    built.app.state.hud = True  # as play's run() does for --hud
    drawn = []
    real_draw = built.hud.draw
    built.hud.draw = lambda *a, **k: (drawn.append(a[6] if len(a) > 6 else k.get("status", [])), real_draw(*a, **k))
    built.drawn_status, built.mapping_path = drawn, mapping
    yield built
    built.close()
    surface.close()


def run_frames(session, count: int, clock: list[float], dt: float = 0.1) -> None:
    for _ in range(count):
        clock[0] += dt
        session.app.step(clock[0], dt)
        time.sleep(0.005)  # the OSC thread's moment


def sender_for(session):
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    address = ("127.0.0.1", session.hubs[0].osc.address[1])
    return lambda data: sender.sendto(data, address)


def test_the_hud_names_the_landmark_while_it_is_recalled(session):
    send, clock = sender_for(session), [0.0]
    run_frames(session, 2, clock)
    assert not any("landmark" in line for line in session.drawn_status[-1])
    send(osc_message("/performer/preset", "boot"))  # a 1 s crossfade
    run_frames(session, 3, clock)
    assert "landmark boot (1/2) fading in" in session.drawn_status[-1]
    run_frames(session, 12, clock)
    assert "landmark boot (1/2)" in session.drawn_status[-1]  # arrived, and still there
    run_frames(session, 5, clock)
    assert "landmark boot (1/2)" in session.drawn_status[-1]
    send(osc_message("/performer/z/3", 1.5))  # a fader moves it away: no longer that landmark
    run_frames(session, 2, clock)
    assert not any("landmark" in line for line in session.drawn_status[-1])
    send(osc_message("/performer/preset", 1))
    run_frames(session, 15, clock)
    assert "landmark robe d'été (2/2)" in session.drawn_status[-1]


def test_every_line_a_real_show_puts_in_the_hud_has_glyphs(session):
    """Every status and error source of a real session, each made to speak: walk (with its '@'), landmark,
    morph, recording, print layer, OSC activity, learn, a broken mapping file, a part that failed."""
    send, clock, app = sender_for(session), [0.0], session.app

    def hud_text_now() -> list[str]:
        errors = app.errors + app._lines(app.error_sources)
        header, status_lines, error_lines = hud_lines(app.timing, app.state, errors, app._lines(app.status_sources))
        return [header, *status_lines, *error_lines]

    send(osc_message("/performer/preset", 1))
    send(osc_message("/performer/param/print_opacity", 1.0))
    send(osc_message("/performer/record/start"))
    run_frames(session, 12, clock)
    lines = hud_text_now()  # the landmark, while nothing has moved it
    send(osc_message("/performer/param/morph_b", 1.0))
    send(osc_message("/performer/param/morph", 0.4))
    run_frames(session, 2, clock)
    app.trigger("learn")
    app.add_output(CallbackOutput(lambda target, now: 1 / 0))
    send(osc_message("/performer/walk", "tour"))  # the one shipped walk that needs no particular landmark
    session.mapping_path.write_text("controls:\n  - {cc: 3, to: no_such_target}\n")
    stamp = session.mapping_path.stat().st_mtime_ns + 2_000_000_000
    os.utime(session.mapping_path, ns=(stamp, stamp))
    run_frames(session, 8, clock)  # the hub looks at its files every 0.5 s
    lines += hud_text_now()
    for needle in ("@", "landmark robe d'été", "morph", "REC ", "print ", "OSC ", "learn", "mapping error", "failed"):
        assert any(needle in line for line in lines), (needle, lines)
    unknown = GLYPHS[UNKNOWN]
    drawn_badly = {c for line in lines for c in hud_text(line) if glyph_cells(c) == unknown}
    assert drawn_badly == set(), lines
    session.recorder.close()


def test_the_hud_reports_render_rate_apart_from_present_rate(random_model_file):
    """A still picture renders once and is then only presented: render rate 0 while the present rate
    follows the loop (--fps 60); a moving one renders every frame it presents."""
    surface = HeadlessSurface((64, 48))
    renderer = CppnRenderer(surface.ctx, CppnWeights.from_file(random_model_file[0]), "texture")
    try:
        app = App(surface, renderer, PerformanceState(), fps=60)
        app.run(max_frames=75)  # 1.25 s: the last half-second window saw no render
        still = app.timing
        assert still.render_fps == 0.0
        assert 50 <= still.present_fps <= 62, still
        assert still.render_ms > 0  # the last render's time stays up
        header = hud_lines(still, app.state, [], [])[0]
        assert header.startswith(f"RENDER {still.render_ms:.1f} MS 0.0/S  PRESENT {still.present_fps:.1f}/S")

        class Sweep:
            def update(self, state, now, dt):
                state.set_latent(0, float(np.sin(now)))

        app.inputs.append(Sweep())
        app.run(max_frames=75)  # the window still open from the still part closes first
        moving = app.timing
        assert moving.render_fps == pytest.approx(moving.present_fps, rel=0.05), moving
        assert moving.render_ms > 0 and app.renders >= 40
    finally:
        renderer.release()
        surface.close()
