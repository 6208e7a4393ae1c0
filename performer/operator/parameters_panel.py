"""Parameters: the latents as the Explorer shows them (a slider each, with its row of preview garments across
the slider's range underneath: click a tile to go to that value), the signature diagram of the current z,
then the look, the background and the prints (A and B as garment thumbnails with that print, mix, opacity,
scale). Preview rows and print thumbnails are GarmentAtlases, drawn by the CPPN in the output's context a
row a frame (PREVIEW_BUDGET): while z moves every tile is at most latent_dim frames old."""

from __future__ import annotations

import numpy as np

from performer.operator.garment_atlas import GarmentAtlas
from performer.operator.panels import SLIDER_WIDTH
from performer.operator.signature_drawing import draw_signature, signature_curve
from performer.operator.tile_buttons import TileBatch
from performer.render.previews import PLAYABLE, marker_positions
from performer.state import LATENT_PLAYABLE, PARAM_SPECS

LOOK = ("zoom", "pan_x", "pan_y", "rotation", "palette", "brightness", "contrast", "master")
BACKGROUND = ("bg_r", "bg_g", "bg_b", "background")
PRINTS = ("print_mix", "print_opacity", "print_scale")
PRINT_THUMB = 48  # pixels at scale 1
PREVIEW_STEPS = 5  # tiles a row, across the playable range -3..3
PREVIEW_TILE = 56  # atlas pixels a tile: drawn at SLIDER_WIDTH / PREVIEW_STEPS, ~60 px at scale 1
PREVIEW_BUDGET = PREVIEW_STEPS  # preview tiles drawn a frame: one row
PRINT_BUDGET = 2
LOOK_KEY = ("palette", "brightness", "contrast", *BACKGROUND)  # what the tiles' pixels depend on
SIGNATURE = 120  # the diagram's side, pixels at scale 1
MARKER = (1.0, 0.85, 0.2, 1.0)


class ParametersPanel:
    title = "Parameters"

    def __init__(self, panels, context) -> None:
        self.panels, self.app, self.context = panels, panels.app, context
        renderer = context.renderer
        self.values = np.linspace(-PLAYABLE, PLAYABLE, PREVIEW_STEPS)
        self.previews = GarmentAtlas(renderer, PREVIEW_TILE, PREVIEW_STEPS, PREVIEW_BUDGET) if renderer else None
        self.print_atlas = GarmentAtlas(renderer, PRINT_THUMB, budget=PRINT_BUDGET) if renderer else None
        self.tiles = TileBatch()
        self.markers: list[tuple[float, float, float]] = []  # (x, top, height) of each row's value line

    # ---- output context ----------------------------------------------------------------------------------
    def prepare(self, frame) -> None:
        state = self.app.state
        if self.previews is None:
            return
        generation = getattr(getattr(self.context.renderer, "program", None), "generation", 0)
        look = (*(state.params[name] for name in LOOK_KEY), generation)
        rows = []
        for row in range(self.panels.latent_dim):
            for value in self.values:
                z = state.z.copy()
                z[row] = value
                rows.append(z)
        self.previews.update((state.z.tobytes(), look), rows, state)
        names = self._print_names()
        alone = {"print_mix": 0.0, "print_opacity": 1.0}  # each thumbnail: that print, fully on
        overrides = [{"print_a": i, "print_b": i, **alone} for i in range(len(names))]
        self.print_atlas.update((state.z.tobytes(), look, names), [state.z] * len(names), state, overrides)

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
        previews = self.previews
        atlas = operator.shared_image(previews.texture, "latent previews") if previews is not None else None
        imgui.text("latents")
        for index in range(self.panels.latent_dim):
            name = f"z{index + 1}"
            imgui.set_next_item_width(SLIDER_WIDTH * scale)
            changed, value = imgui.slider_float(name, float(state.z[index]), *LATENT_PLAYABLE, "%.3f")
            self.panels.record(imgui, name, SLIDER_WIDTH * scale)
            if changed:
                self.panels.source.set_value(name, value)
            if atlas is not None:
                self._preview_row(imgui, atlas, index, scale)
        self.tiles.draw(imgui)  # every preview in one draw call, then the value markers over them
        draw = imgui.get_window_draw_list()
        colour = imgui.color_convert_float4_to_u32(imgui.ImVec4(*MARKER))
        for x, y, side in self.markers:
            draw.add_line(imgui.ImVec2(x, y), imgui.ImVec2(x, y + side), colour, 2.0 * scale)
        self.markers.clear()

    def _preview_row(self, imgui, atlas, row: int, scale: float) -> None:
        """The row of garments for latent `row`: tile j is z with this latent at self.values[j]."""
        side = SLIDER_WIDTH * scale / PREVIEW_STEPS
        start = imgui.get_cursor_screen_pos()
        for column, value in enumerate(self.values):
            if column:
                imgui.same_line(spacing=0.0)
            uv0, uv1 = self.previews.uv(row * PREVIEW_STEPS + column)
            size = imgui.ImVec2(side, side)
            if self.tiles.button(imgui, f"preview {row} {column}", atlas, size, uv0, uv1, padding=1.0):
                self.panels.source.set_value(f"z{row + 1}", float(value))
            self.panels.record(imgui, f"preview z{row + 1} {column}")
        # where the value is along the row (the tile centres at the values, as the HUD's previews mark it)
        where = float(marker_positions(self.app.state.z, self.values)[row])
        self.markers.append((start.x + where * SLIDER_WIDTH * scale, start.y, side))

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
        chosen_rects = []
        for param in ("print_a", "print_b"):
            chosen = int(round(state.params[param]))
            imgui.text(f"{param[-1].upper()}: {names[min(max(chosen, 0), len(names) - 1)]}")
            for index, name in enumerate(names):
                if index:
                    imgui.same_line()
                uv0, uv1 = atlas.uv(index)
                if self.tiles.button(imgui, f"{param} {index}", image, imgui.ImVec2(side, side), uv0, uv1, 2.0):
                    self.panels.source.set_value(param, float(index))
                if imgui.is_item_hovered():
                    imgui.set_tooltip(name)
                self.panels.record(imgui, f"{param} {index}")
                if index == chosen:
                    chosen_rects.append((imgui.get_item_rect_min(), imgui.get_item_rect_max()))
        self.tiles.draw(imgui)
        draw = imgui.get_window_draw_list()
        colour = imgui.color_convert_float4_to_u32(imgui.ImVec4(*MARKER))  # the chosen print, framed
        for low, high in chosen_rects:
            draw.add_rect(low, high, colour, thickness=2.0 * scale)

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
        for atlas in (self.previews, self.print_atlas):
            if atlas is not None:
                atlas.release()
