"""Parameters: the latents as the Explorer shows them (a slider each, with its row of preview garments across
the slider's range underneath: click a tile to go to that value), the signature diagram of the current z,
then the look, the background and the prints (A and B as garment thumbnails with that print, mix, opacity,
scale). The preview rows are the latent previews' atlas (performer/render/previews.py), rendered by the CPPN
in the output's context; the print thumbnails a GarmentAtlas of their own."""

from __future__ import annotations

from performer.operator.garment_atlas import GarmentAtlas
from performer.operator.panels import SLIDER_WIDTH
from performer.operator.signature_drawing import draw_signature, signature_curve
from performer.render.previews import marker_positions
from performer.state import LATENT_PLAYABLE, PARAM_SPECS

LOOK = ("zoom", "pan_x", "pan_y", "rotation", "palette", "brightness", "contrast", "master")
BACKGROUND = ("bg_r", "bg_g", "bg_b")
PRINTS = ("print_mix", "print_opacity", "print_scale")
PRINT_THUMB = 48  # pixels at scale 1
SIGNATURE = 120  # the diagram's side, pixels at scale 1
MARKER = (1.0, 0.85, 0.2, 1.0)


class ParametersPanel:
    title = "Parameters"

    def __init__(self, panels, context) -> None:
        self.panels, self.app, self.context = panels, panels.app, context
        self.print_atlas = GarmentAtlas(context.renderer, tile=PRINT_THUMB) if context.renderer else None

    # ---- output context ----------------------------------------------------------------------------------
    def prepare(self, frame) -> None:
        previews = self.app.previews
        state = self.app.state
        if previews is not None:
            previews.update(state, frame.now, self.app.surface.content_scale)
        if self.print_atlas is not None:
            names = self._print_names()
            key = (state.z.tobytes(), names, *(state.params[n] for n in ("palette", "bg_r", "bg_g", "bg_b")))
            alone = {"print_mix": 0.0, "print_opacity": 1.0}  # each thumbnail: that print, fully on
            overrides = [{"print_a": i, "print_b": i, **alone} for i in range(len(names))]
            self.print_atlas.update(key, [state.z] * len(names), state, overrides)

    def _print_names(self) -> tuple[str, ...]:
        prints = getattr(self.context.renderer, "prints", None)
        table = getattr(prints, "table", ())
        return tuple(slot.name for slot in table)

    # ---- operator context --------------------------------------------------------------------------------
    def draw(self, imgui, operator, frame) -> None:
        scale = self.panels.scale
        self._latents(imgui, operator, scale)
        self._signature(imgui, scale)
        for title, names in (("look", LOOK), ("background", BACKGROUND)):
            imgui.separator()
            imgui.text(title)
            self._params(imgui, names, scale)
        imgui.separator()
        imgui.text("prints")
        self._prints(imgui, operator, scale)
        self._params(imgui, PRINTS, scale)

    def _latents(self, imgui, operator, scale: float) -> None:
        state = self.app.state
        previews = self.app.previews
        atlas = operator.shared_image(previews.atlas.texture, "latent previews") if previews is not None else None
        imgui.text("latents")
        for index in range(self.panels.latent_dim):
            name = f"z{index + 1}"
            imgui.set_next_item_width(SLIDER_WIDTH * scale)
            changed, value = imgui.slider_float(name, float(state.z[index]), *LATENT_PLAYABLE, "%.3f")
            self.panels.record(imgui, name, SLIDER_WIDTH * scale)
            if changed:
                self.panels.source.set_value(name, value)
            if atlas is not None:
                self._preview_row(imgui, atlas, previews, index, scale)

    def _preview_row(self, imgui, atlas, previews, row: int, scale: float) -> None:
        """The row of garments for latent `row`: tile j is z with this latent at previews.values[j]."""
        steps, rows = previews.steps, previews.latent_dim
        side = SLIDER_WIDTH * scale / steps
        width, height = previews.atlas.size
        tile = previews.tile_pixels
        start = imgui.get_cursor_screen_pos()
        for column, value in enumerate(previews.values):
            if column:
                imgui.same_line(spacing=0.0)
            u0, u1 = column * tile / width, (column + 1) * tile / width
            v_top, v_bottom = (rows - row) * tile / height, (rows - 1 - row) * tile / height
            imgui.push_id(f"preview {row} {column}")
            uv0, uv1 = imgui.ImVec2(u0, v_top), imgui.ImVec2(u1, v_bottom)
            if imgui.image_button("tile", atlas, imgui.ImVec2(side - 2, side - 2), uv0, uv1):
                self.panels.source.set_value(f"z{row + 1}", float(value))
            imgui.pop_id()
            self.panels.record(imgui, f"preview z{row + 1} {column}")
        # where the value is along the row: the previews' own marker (the same place as the slider's grab)
        where = float(marker_positions(self.app.state.z, previews.values)[row])
        x = start.x + where * SLIDER_WIDTH * scale
        draw = imgui.get_window_draw_list()
        colour = imgui.color_convert_float4_to_u32(imgui.ImVec4(*MARKER))
        draw.add_line(imgui.ImVec2(x, start.y), imgui.ImVec2(x, start.y + side), colour, 2.0 * scale)

    def _signature(self, imgui, scale: float) -> None:
        """The closed curve through the 8 values around the reference circle (value 0), as the HUD draws it."""
        side = SIGNATURE * scale
        origin = imgui.get_cursor_screen_pos()
        imgui.dummy(imgui.ImVec2(side, side))
        self.panels.record(imgui, "signature")
        draw_signature(imgui, imgui.get_window_draw_list(), signature_curve(self.app.state.z), origin, side, scale)

    def _prints(self, imgui, operator, scale: float) -> None:
        """A and B: a row of thumbnails each (the garment with that print); the chosen one is framed."""
        atlas = self.print_atlas
        names = self._print_names()
        if atlas is None or not names or atlas.texture is None:
            self._params(imgui, ("print_a", "print_b"), scale)
            return
        image = operator.shared_image(atlas.texture, "print thumbnails")
        state = self.app.state
        side = PRINT_THUMB * scale
        for param in ("print_a", "print_b"):
            chosen = int(round(state.params[param]))
            imgui.text(f"{param[-1].upper()}: {names[min(max(chosen, 0), len(names) - 1)]}")
            for index, name in enumerate(names):
                if index:
                    imgui.same_line()
                uv0, uv1 = atlas.uv(index)
                imgui.push_id(f"{param} {index}")
                frame = (1.0, 0.85, 0.2, 1.0) if index == chosen else (0.0, 0.0, 0.0, 0.0)
                imgui.push_style_color(imgui.Col_.button, imgui.ImVec4(*frame))
                if imgui.image_button("print", image, imgui.ImVec2(side, side), imgui.ImVec2(*uv0), imgui.ImVec2(*uv1)):
                    self.panels.source.set_value(param, float(index))
                imgui.pop_style_color()
                if imgui.is_item_hovered():
                    imgui.set_tooltip(name)
                imgui.pop_id()
                self.panels.record(imgui, f"{param} {index}")

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
            self.panels.record(imgui, name, SLIDER_WIDTH * scale)
            if changed:
                self.panels.source.set_value(name, float(value))

    def release(self) -> None:
        if self.print_atlas is not None:
            self.print_atlas.release()
