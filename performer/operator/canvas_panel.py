"""Design canvas: the Fashion Space Explorer's drawing surface. Draw with the mouse (white or black brush, its
size); the drawing is encoded into z on the canvas's own worker (sources/canvas.py, numpy, debounced) and the
garment follows through the hub. Clear (C), Random (R: a new garment on the canvas and in the output), Start
from current (the garment now showing, to draw over), Load picture (a path typed, or a file dialog where one
works). C and R act here only while the canvas is under the mouse, or focused by a click: elsewhere R is the
show's random garment. A model file without an encoder gets a line saying so and nothing else."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import numpy as np

from performer.model import jumps
from performer.model.arrays import ModelFileError, read_model_arrays
from performer.model.encoder_numpy import NumpyEncoder
from performer.operator.key_routing import key_routing
from performer.operator.panels import ERROR_RED
from performer.presets.from_image import ImageError
from performer.sources.canvas import WHITE, DesignCanvas

log = logging.getLogger(__name__)
FOLLOW_AFTER = 0.3  # seconds z must hold still before the canvas shows it (a fader's last move)

BRUSH_OUTLINE = (1.0, 0.85, 0.2, 0.8)
BORDER = (0.45, 0.45, 0.5, 1.0)
MIN_SIDE = 64  # pixels at scale 1: below this the panel is too small to draw in
MOD_BLOCKING = 0x0002 | 0x0004 | 0x0008  # GLFW's Ctrl, Alt, Super: Ctrl+C is not Clear
TIPS = {
    "clear": "C: a black canvas (the garment stays until you draw)",
    "random": "R: a new random garment, on the canvas and in the output",
    "current": "the garment now showing, on the canvas to draw over",
    "load": "the picture at the path (fitted; a light ground is inverted), then encoded",
}


class CanvasPanel:
    title = "Design canvas"

    def __init__(self, panels, context) -> None:
        self.panels, self.app = panels, panels.app
        self.canvas: DesignCanvas | None = None
        self.message = ""
        self.prior = self.garments = None
        self.rng = np.random.default_rng()
        self.path, self.error = "", ""
        self.keys_here = False  # the canvas is under the mouse or was clicked into: C and R are its
        self._clicked_in = False
        self._drawing = False
        self._last_point: tuple[float, float] | None = None
        self._seen_key, self._still_since, self._followed_key = b"", 0.0, b""  # follow(): z as last seen
        self._keys = None
        self._dialog = None
        self._dialog_works = bool(shutil.which("zenity") or shutil.which("kdialog"))  # portable_file_dialogs' tools
        try:
            self.canvas = self._open(context.model_path)
        except ModelFileError as exc:
            self.message = f"no design canvas: {exc}"
            log.warning("%s", self.message)
            return
        context.sources.append(self.canvas)  # the session adds it to the hub: its encodings move z

    def _open(self, model_path) -> DesignCanvas:
        """The canvas for the model file, read once (the prior and garments for R come from the same read)."""
        from performer.render.weights import CppnWeights

        if model_path is None:
            raise ModelFileError("no model file given")
        arrays = read_model_arrays(model_path)
        encoder = NumpyEncoder.from_arrays(arrays, str(model_path))
        self.prior, self.garments = arrays.prior, arrays.garments
        return DesignCanvas(encoder, CppnWeights.from_arrays(arrays))

    # ---- actions -------------------------------------------------------------------------------------------
    def random_z(self) -> np.ndarray:
        """The model's learned prior when it has one; else, as the show's R, a real garment's place moved a
        little; else the standard normal."""
        return jumps.invent(self.prior, self.garments, self.rng, self.canvas.encoder.config.latent_dim)

    def clear(self) -> None:
        self.canvas.clear()

    def randomise(self) -> None:
        """The canvas shows the garment the output goes to: the two agree until the next stroke."""
        z = self.random_z()
        self.canvas.start_from(z)
        self.panels.source.set_latents(z)

    def start_from_current(self) -> None:
        self.canvas.start_from(self.app.state.z)

    def load(self, path: str) -> None:
        self.error = ""
        path = path.strip()
        if not path:
            self.error = "canvas: type a picture's path first"
            return
        try:
            self.canvas.load_picture(Path(path).expanduser())
        except ImageError as exc:
            self.error = f"canvas: {exc}"[:160]

    def error_lines(self) -> list[str]:
        return ([self.error] if self.error else []) + (self.canvas.error_lines() if self.canvas else [])

    def _claim_key(self, name: str, mods: int) -> bool:
        """The operator window's C and R, while the canvas has them (see KeyRouting)."""
        if self.canvas is None or not self.keys_here or mods & MOD_BLOCKING or name not in ("c", "r"):
            return False
        if name == "c":
            self.clear()
        else:
            self.randomise()
        return True

    def follow(self, now: float) -> bool:
        """As the Explorer's canvas, show the garment the show is at: once z has held still for FOLLOW_AFTER
        seconds after a move that was not this canvas's own (a fader, a landmark, the map), and nothing drawn
        is waiting for its encoding, the canvas is redrawn from z (rendered on its worker). Not during a walk
        (z never holds still), not mid-stroke. True when it asked the canvas to follow."""
        z = self.app.state.z
        key = z.tobytes()
        if key != self._seen_key:
            self._seen_key, self._still_since = key, now
            return False
        if key == self._followed_key or now - self._still_since < FOLLOW_AFTER:
            return False
        if self._drawing or not self.canvas.idle:
            return False
        self._followed_key = key
        sent = self.canvas.last_sent
        if sent is not None and sent.shape == z.shape and np.allclose(sent, z, atol=1e-6):
            return False  # the canvas's own encoding: the drawing stays
        self.canvas.start_from(z)
        return True

    # ---- output context --------------------------------------------------------------------------------------
    def prepare(self, frame) -> None:
        self.keys_here = False  # set again by draw; a collapsed panel takes no keys
        if self.canvas is not None:
            self.follow(frame.now)

    # ---- operator context -------------------------------------------------------------------------------------
    def draw(self, imgui, operator, frame) -> None:
        if self.canvas is None:
            imgui.text_wrapped(self.message)
            return
        if self._keys is None:
            self._keys = key_routing(operator)
            self._keys.claim(self._claim_key)
        scale = self.panels.scale
        self._brush(imgui, scale)
        self._buttons(imgui)
        self._picture(imgui)
        imgui.push_text_wrap_pos(0.0)  # a path is long and the panel narrow: the whole line, wrapped
        for line in self.error_lines():
            imgui.text_colored(imgui.ImVec4(*ERROR_RED), line)
            self.panels.record(imgui, "canvas error")
        imgui.pop_text_wrap_pos()
        self._drawing_area(imgui, operator, scale)
        self._note_focus(imgui)

    def _brush(self, imgui, scale: float) -> None:
        canvas = self.canvas
        white = canvas.brush == WHITE
        if imgui.radio_button("white", white):
            canvas.set_brush(True)
        self.panels.record(imgui, "canvas white")
        imgui.same_line()
        if imgui.radio_button("black", not white):
            canvas.set_brush(False)
        self.panels.record(imgui, "canvas black")
        imgui.same_line()
        width = max(40.0 * scale, imgui.get_content_region_avail().x - 40 * scale)
        imgui.set_next_item_width(width)
        changed, radius = imgui.slider_float("size", canvas.brush_radius, 1.0, canvas.size / 4, "%.0f px")
        self.panels.record(imgui, "canvas size", width)
        if changed:
            canvas.set_brush_size(radius)

    def _buttons(self, imgui) -> None:
        for number, (label, name, action) in enumerate(
            (
                ("Clear (C)", "clear", self.clear),
                ("Random (R)", "random", self.randomise),
                ("From current", "current", self.start_from_current),
            )
        ):
            if number:  # on this row while it fits: the panel may be narrow
                style = imgui.get_style()
                width = imgui.calc_text_size(label).x + 2 * style.frame_padding.x
                imgui.same_line()
                if imgui.get_content_region_avail().x < width:
                    imgui.new_line()
            if imgui.button(label):
                action()
            self.panels.record(imgui, f"canvas {name}")
            if imgui.is_item_hovered():
                imgui.set_tooltip(TIPS[name])

    def _picture(self, imgui) -> None:
        style = imgui.get_style()
        buttons = ("Load", "...") if self._dialog_works else ("Load",)
        pad = 2 * style.frame_padding.x + style.item_spacing.x
        room = sum(imgui.calc_text_size(label).x + pad for label in buttons)
        width = imgui.get_content_region_avail().x - room
        imgui.set_next_item_width(max(40.0, width))
        flags = imgui.InputTextFlags_.enter_returns_true
        entered, self.path = imgui.input_text_with_hint("##picture", "picture file path", self.path, flags)
        self.panels.record(imgui, "canvas path")
        imgui.same_line()
        if imgui.button("Load") or entered:
            self.load(self.path)
        self.panels.record(imgui, "canvas load")
        if imgui.is_item_hovered():
            imgui.set_tooltip(TIPS["load"])
        if self._dialog_works:
            imgui.same_line()
            if imgui.button("...") and self._dialog is None:
                self._open_dialog()
            self._poll_dialog()

    def _open_dialog(self) -> None:
        try:
            from imgui_bundle import portable_file_dialogs as pfd

            self._dialog = pfd.open_file("Load a picture", str(Path.home()), ["Pictures", "*.png *.jpg *.jpeg *.bmp"])
        except Exception as exc:  # no usable dialog tool after all: the typed path still works
            self._dialog_works, self.error = False, f"canvas: no file dialog ({exc})"[:160]

    def _poll_dialog(self) -> None:
        if self._dialog is None or not self._dialog.ready(0):
            return
        chosen, self._dialog = self._dialog.result(), None
        if chosen:
            self.path = chosen[0]
            self.load(self.path)

    def _drawing_area(self, imgui, operator, scale: float) -> None:
        """The canvas as a square image filling what is left of the panel, with an invisible button over it
        taking the mouse: press begins a stroke, drag continues it, release ends it (and encodes)."""
        canvas = self.canvas
        avail = imgui.get_content_region_avail()
        side = max(MIN_SIDE * scale, min(avail.x, avail.y))
        origin = imgui.get_cursor_screen_pos()
        imgui.invisible_button("canvas", imgui.ImVec2(side, side))
        self.panels.record(imgui, "canvas")
        active, hovered = imgui.is_item_active(), imgui.is_item_hovered()
        mouse = imgui.get_io().mouse_pos
        point = ((mouse.x - origin.x) * canvas.size / side, (mouse.y - origin.y) * canvas.size / side)
        if active and not self._drawing:
            canvas.begin_stroke(*point)
            self._drawing, self._last_point = True, point
        elif active and point != self._last_point:
            canvas.stroke_to(*point)
            self._last_point = point
        elif not active and self._drawing:
            canvas.end_stroke()
            self._drawing, self._last_point = False, None
        version, pixels = canvas.image()
        texture = operator.cpu_image("canvas", version, pixels)  # uploaded only when the drawing changed
        corner = imgui.ImVec2(origin.x + side, origin.y + side)
        draw = imgui.get_window_draw_list()
        draw.add_image(texture, origin, corner)
        draw.add_rect(origin, corner, imgui.color_convert_float4_to_u32(imgui.ImVec4(*BORDER)))
        if hovered or active:  # the brush's size where it would paint
            outline = imgui.color_convert_float4_to_u32(imgui.ImVec4(*BRUSH_OUTLINE))
            draw.add_circle(mouse, canvas.brush_radius * side / canvas.size, outline, 32, 1.0 * scale)

    def _note_focus(self, imgui) -> None:
        """Whether C and R are the canvas's until the next frame: hovered, or focused by a click inside (a
        window focused only because it appeared last does not take the show's R)."""
        flags = imgui.HoveredFlags_.root_and_child_windows
        hovered = imgui.is_window_hovered(flags)
        focused = imgui.is_window_focused(imgui.FocusedFlags_.root_and_child_windows)
        clicked = hovered and any(imgui.is_mouse_clicked(button) for button in range(3))
        self._clicked_in = focused and (self._clicked_in or clicked)
        self.keys_here = hovered or self._clicked_in

    def release(self) -> None:
        if self.canvas is not None:
            self.canvas.close()  # the hub closes it too; closing twice is harmless
