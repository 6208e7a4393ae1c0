"""The operator window's panels, drawn with Dear ImGui each frame: Output (the preview and the loop's timing),
Parameters (the latents and the look), Show (walks, tempo, recording, errors in red). Every change leaves
through the operator Source (source.py) as a control event; the panels only read the state, the app's
timing and its status and error lines. The landmarks, canvas and map panels plug in as more `extra` panels
(callables of (imgui, operator, frame)) without changing these."""

from __future__ import annotations

from collections.abc import Callable

from performer.state import LATENT_PLAYABLE, PARAM_SPECS

LOOK = ("zoom", "pan_x", "pan_y", "rotation", "palette", "brightness", "contrast", "master")
BACKGROUND = ("bg_r", "bg_g", "bg_b")
PRINTS = ("print_a", "print_b", "print_mix", "print_opacity", "print_scale")
SLIDER_WIDTH = 300  # pixels at scale 1: wide enough to place a latent to about 0.02
ERROR_RED = (1.0, 0.35, 0.3, 1.0)


class Panels:
    def __init__(self, app, source, latent_dim: int = 8, extra: list[Callable] | None = None) -> None:
        self.app, self.source, self.latent_dim = app, source, latent_dim
        self.extra = list(extra or [])
        self.scale = 1.0  # the screen's content scale (HiDPI), set by the window
        self.rects: dict[str, tuple[float, float, float, float]] = {}  # widget -> (x0, y0, x1, y1): for tests

    def draw(self, operator, frame) -> None:
        from imgui_bundle import imgui

        io = imgui.get_io()
        width, height = io.display_size.x, io.display_size.y
        left = width * 0.5
        self._window(imgui, "Output", (0, 0), (left, height * 0.6), lambda: self._output(imgui, operator, frame))
        self._window(imgui, "Parameters", (left, 0), (width - left, height), lambda: self._parameters(imgui))
        self._window(imgui, "Show", (0, height * 0.6), (left, height * 0.4), lambda: self._show(imgui))
        for panel in self.extra:
            panel(imgui, operator, frame)

    @staticmethod
    def _window(imgui, title, pos, size, body) -> None:
        imgui.set_next_window_pos(imgui.ImVec2(*pos), imgui.Cond_.first_use_ever)
        imgui.set_next_window_size(imgui.ImVec2(*size), imgui.Cond_.first_use_ever)
        if imgui.begin(title)[0]:
            body()
        imgui.end()

    def _record(self, imgui, name: str, frame_width: float | None = None) -> None:
        """The widget's rectangle; a slider's without its label (`frame_width`), where the grab travels."""
        low, high = imgui.get_item_rect_min(), imgui.get_item_rect_max()
        right = low.x + frame_width if frame_width is not None else high.x
        self.rects[name] = (low.x, low.y, right, high.y)

    # ---- Output ------------------------------------------------------------------------------------------
    def _output(self, imgui, operator, frame) -> None:
        timing = self.app.timing
        imgui.text(f"render {timing.render_ms:.1f} ms  {timing.render_fps:.0f}/s   present {timing.present_fps:.0f}/s")
        dropped = sum(output.stats().get("dropped", 0) for output in self.app.outputs if hasattr(output, "stats"))
        target = frame.target
        imgui.text(f"frame {target.size[0]}x{target.size[1]}   dropped {dropped}")
        image = operator.preview_image(target)
        if image is not None:
            avail = imgui.get_content_region_avail()
            aspect = target.size[1] / max(1, target.size[0])
            w = max(1.0, min(avail.x, (avail.y - 30) / aspect if aspect else avail.x))
            # the offscreen texture's rows are bottom first: flipped with the texture coordinates
            imgui.image(image, imgui.ImVec2(w, w * aspect), imgui.ImVec2(0, 1), imgui.ImVec2(1, 0))
        if imgui.button("output fullscreen / window"):
            self.app.surface.toggle_fullscreen()

    # ---- Parameters --------------------------------------------------------------------------------------
    def _parameters(self, imgui) -> None:
        state = self.app.state
        scale = self.scale
        imgui.text("latents")
        for index in range(self.latent_dim):
            name = f"z{index + 1}"
            imgui.set_next_item_width(SLIDER_WIDTH * scale)
            changed, value = imgui.slider_float(name, float(state.z[index]), *LATENT_PLAYABLE, "%.3f")
            self._record(imgui, name, SLIDER_WIDTH * scale)
            if changed:
                self.source.set_value(name, value)
        for title, names in (("look", LOOK), ("background", BACKGROUND), ("prints", PRINTS)):
            imgui.separator()
            imgui.text(title)
            self._params(imgui, names, scale)

    def _params(self, imgui, names, scale: float) -> None:
        state = self.app.state
        for name in names:
            spec = PARAM_SPECS[name]
            imgui.set_next_item_width(SLIDER_WIDTH * scale)
            current = state.params[name]
            if spec.integer:
                changed, value = imgui.slider_int(name, int(current), int(spec.low), int(spec.high))
                label = state.palette_name if name == "palette" else ""
                if label:
                    imgui.same_line()
                    imgui.text(label)
            else:
                low, high = spec.playable
                changed, value = imgui.slider_float(name, float(current), low, high, "%.3f")
            self._record(imgui, name, SLIDER_WIDTH * scale)
            if changed:
                self.source.set_value(name, float(value))

    # ---- Show --------------------------------------------------------------------------------------------
    def _show(self, imgui) -> None:
        buttons = (("walk play/stop", "walk/toggle"), ("next walk", "walk/next"), ("tap tempo", "tap"))
        buttons += (("record", "record/toggle"), ("snapshot", "snapshot"), ("blackout", "blackout"))
        for number, (label, address) in enumerate(buttons):
            if number % 3:
                imgui.same_line()
            if imgui.button(label):
                self.source.trigger(address)
            self._record(imgui, address)
        for line in self.app._lines(self.app.status_sources):
            imgui.text(line)
        for line in self.app.errors + self.app._lines(self.app.error_sources):
            imgui.text_colored(imgui.ImVec4(*ERROR_RED), line)
