"""Landmarks: every landmark of the show as a tile, its garment drawn by the CPPN with its own look, its
signature diagram beside it and its name under them, as the Explorer lists them. A click recalls it through
the operator Source (/performer/preset NAME, so the hub, learn and the recording see it as they see the
same message from TouchOSC) over the show's crossfade, shown above the tiles; the landmark last recalled is
framed in gold while the show is still there, in dim gold once it has moved on.

Below the tiles, the selected landmark (the one last clicked; a right click selects without recalling):
rename, move back or on (< >), delete. Delete takes a second click within DELETE_ARMED seconds: on stage one
slip must not lose a landmark. Above them, the current state can be saved as a new landmark under a typed
name (the P key's save, named). Every edit goes to the file through presets/landmark_edit.py (re-read,
changed, written atomically, the rest of the file kept) and the show then reloads its list; an edit that
fails says why in one red line and leaves the file and the show as they were."""

from __future__ import annotations

import logging
import math
from functools import partial

from performer.operator.garment_atlas import GarmentAtlas
from performer.operator.key_routing import key_routing
from performer.operator.panels import ERROR_RED
from performer.operator.signature_drawing import draw_signature, signature_curve
from performer.operator.tile_buttons import TileBatch
from performer.presets.landmark_edit import delete_landmark, move_landmark, rename_landmark
from performer.presets.landmarks import LandmarkError

log = logging.getLogger(__name__)
THUMB = 64  # the garment tile, pixels at scale 1
THUMB_BUDGET = 8  # thumbnails drawn a frame: a file of 1,000 landmarks fills in over seconds, never in one frame
DIAGRAM = 48  # the signature diagram beside it
NAME_WIDTH = 180  # the name fields
DELETE_ARMED = 3.0  # seconds in which the second click of a delete counts
NAME_LIMIT = 64  # characters of a name (presets/landmarks.py LandmarkEntry)
CACHED = 4096  # signature curves and cut names kept: beyond that the caches start again
CURRENT = (1.0, 0.85, 0.2, 1.0)  # the landmark last recalled, the show still there: the markers' gold
LEFT_BEHIND = (0.5, 0.42, 0.15, 1.0)  # ... and once the show has moved on from it
SELECTED = (0.8, 0.8, 0.85, 1.0)  # the one the edit row acts on, when it is not the current one
ARMED = (0.7, 0.15, 0.1, 1.0)


class LandmarksPanel:
    title = "Landmarks"

    def __init__(self, panels, context) -> None:
        self.panels, self.app, self.context = panels, panels.app, context
        self.atlas: GarmentAtlas | None = None
        self.batch = TileBatch()
        self.selected: str | None = None  # by name: it survives a move
        self.rename_text, self._rename_for = "", None
        self.new_name = ""
        self.armed: tuple[str, float] | None = None  # (name, until): a delete waiting for its second click
        self.message, self.failed = "", False  # the last edit's one line
        self._looks: list[dict] = []  # each tile's palette, zoom and prints
        self._curves: dict[tuple, object] = {}  # z -> its signature curve (computed once per landmark)
        self._labels: dict[tuple, str] = {}  # (text, width) -> the text cut to that width

    # ---- output context ----------------------------------------------------------------------------------
    def prepare(self, frame) -> None:
        show, renderer = self.context.show, self.context.renderer
        if show is None or renderer is None:
            return
        if self.atlas is None:
            self.atlas = GarmentAtlas(renderer, tile=round(THUMB * self.panels.scale), budget=THUMB_BUDGET)
        landmarks = list(show.landmarks)
        # what a tile's pixels depend on: a rename alone draws nothing again
        key = tuple((lm.z, lm.palette, lm.zoom, tuple(sorted(lm.prints.items()))) for lm in landmarks)
        if key != self.atlas.key:
            self._looks = [lm.pose().params for lm in landmarks]  # palette, zoom and prints as recalled
        self.atlas.update(key, [lm.z for lm in landmarks], self.app.state, self._looks)

    # ---- operator context --------------------------------------------------------------------------------
    def draw(self, imgui, operator, frame) -> None:
        show = self.context.show
        if show is None:
            imgui.text("no landmarks: the show is not built yet")
            return
        key_routing(operator)  # the name fields take typed keys; the show's keys do not fire meanwhile
        scale = self.panels.scale
        names = [landmark.name for landmark in show.landmarks]
        if self.selected not in names:
            self.selected = names[show.index] if 0 <= show.index < len(names) else None
        here = show.landmark_line()  # None once the show has moved away from the landmark last recalled
        imgui.text(f"recall: {show.crossfade:.1f} s crossfade" + (f"   {here}" if here else ""))
        self._save_row(imgui, show, scale)
        footer = 2 * imgui.get_frame_height_with_spacing() + imgui.get_text_line_height_with_spacing()
        padded = imgui.ChildFlags_.always_use_window_padding  # room for the frames around the outer tiles
        imgui.begin_child("tiles", imgui.ImVec2(0, -footer), padded)
        try:
            self._tiles(imgui, operator, show, here is not None, scale)
        finally:
            imgui.end_child()
        self._edit_rows(imgui, show, frame.now, scale)
        if self.message:
            colour = ERROR_RED if self.failed else (0.7, 0.7, 0.7, 1.0)
            imgui.text_colored(imgui.ImVec4(*colour), self.message)

    def _save_row(self, imgui, show, scale: float) -> None:
        imgui.set_next_item_width(NAME_WIDTH * scale)
        flags = imgui.InputTextFlags_.enter_returns_true
        entered, self.new_name = imgui.input_text_with_hint("##new name", "new landmark's name", self.new_name, flags)
        self.panels.record(imgui, "new name")
        imgui.same_line()
        if imgui.button("save current") or entered:
            name = self.new_name.strip()[:NAME_LIMIT] or None  # none typed: the P key's "saved 21:04:09"
            saved = show.save(name)
            if saved is None:
                self._say("not saved: the landmarks file could not be written (the log says why)", failed=True)
            else:
                self.new_name, self.selected = "", saved.name
                self._say(f"saved {saved.name!r} as landmark {len(show.landmarks)}")
        self.panels.record(imgui, "save current")

    def _tiles(self, imgui, operator, show, still_there: bool, scale: float) -> None:
        landmarks = show.landmarks
        if not landmarks:
            imgui.text_wrapped("no landmarks yet: save the current state above (or press P)")
            return
        atlas = self.atlas
        ready = atlas is not None and atlas.texture is not None
        image = operator.shared_image(atlas.texture, "landmark tiles") if ready else None
        style = imgui.get_style()
        thumb, diagram, spacing = THUMB * scale, DIAGRAM * scale, style.item_spacing.x
        width = thumb + 2 * style.frame_padding.x + spacing + diagram
        columns = max(1, int((imgui.get_content_region_avail().x + spacing) // (width + spacing)))
        frames = {i: SELECTED for i, lm in enumerate(landmarks) if lm.name == self.selected}
        frames[show.index] = CURRENT if still_there else LEFT_BEHIND  # the current one shows as current
        clipper = imgui.ListClipper()  # only the rows in view are laid out: a file may hold 1,000
        clipper.begin(math.ceil(len(landmarks) / columns))
        try:
            while clipper.step():
                for row in range(clipper.display_start, clipper.display_end):
                    for index in range(row * columns, min((row + 1) * columns, len(landmarks))):
                        if index % columns:
                            imgui.same_line()
                        self._tile(imgui, image, landmarks[index], index, (thumb, diagram, width), scale)
                        if index in frames:
                            self._frame(imgui, frames[index], scale)
        finally:
            clipper.end()  # ImGui's error recovery closes windows, not a clipper: one left open crashes it
        self.batch.draw(imgui)  # the garments in one draw call

    def _tile(self, imgui, image, landmark, index: int, sizes, scale: float) -> None:
        thumb, diagram, width = sizes
        imgui.push_id(f"landmark {index}")
        imgui.begin_group()
        if image is not None:
            uv0, uv1 = self.atlas.uv(index)
            padding = imgui.get_style().frame_padding
            size = imgui.ImVec2(thumb + 2 * padding.x, thumb + 2 * padding.y)  # image_button's size
            clicked = self.batch.button(imgui, "tile", image, size, uv0, uv1, padding.x)
        else:  # no renderer (or not drawn yet): a plain button of the same size
            padding = imgui.get_style().frame_padding
            clicked = imgui.button("##tile", imgui.ImVec2(thumb + 2 * padding.x, thumb + 2 * padding.y))
        self.panels.record(imgui, f"landmark {index}")
        if clicked:
            self.panels.source.trigger("preset", landmark.name)  # by name: the recording reads as the show does
            self.selected = landmark.name
        if imgui.is_item_clicked(imgui.MouseButton_.right):
            self.selected = landmark.name
        if imgui.is_item_hovered():
            imgui.set_tooltip(landmark.name + (f"\n{landmark.note}" if landmark.note else ""))
        imgui.same_line()
        height = imgui.get_item_rect_size().y  # the diagram sits beside the garment, centred on it
        cursor = imgui.get_cursor_screen_pos()
        origin = imgui.ImVec2(cursor.x, cursor.y + (height - diagram) / 2)
        imgui.dummy(imgui.ImVec2(diagram, height))
        draw_signature(imgui, imgui.get_window_draw_list(), self._curve(landmark.z), origin, diagram, scale)
        imgui.text(self._label(imgui, f"{index + 1} {landmark.name}", width))
        imgui.end_group()
        imgui.pop_id()

    def _frame(self, imgui, colour, scale: float) -> None:
        low, high = imgui.get_item_rect_min(), imgui.get_item_rect_max()
        grow = 2 * scale
        u32 = imgui.color_convert_float4_to_u32(imgui.ImVec4(*colour))
        draw = imgui.get_window_draw_list()
        corner_low, corner_high = imgui.ImVec2(low.x - grow, low.y - grow), imgui.ImVec2(high.x + grow, high.y + grow)
        draw.add_rect(corner_low, corner_high, u32, thickness=grow)

    def _edit_rows(self, imgui, show, now: float, scale: float) -> None:
        names = [landmark.name for landmark in show.landmarks]  # as of now: a save above may have added one
        name = self.selected
        if name not in names:
            imgui.text_disabled("click a landmark to recall it, right-click to select it")
            return
        if name != self._rename_for:
            self.rename_text, self._rename_for = name, name
        imgui.set_next_item_width(NAME_WIDTH * scale)
        flags = imgui.InputTextFlags_.enter_returns_true | imgui.InputTextFlags_.auto_select_all  # typing replaces
        entered, self.rename_text = imgui.input_text("##rename", self.rename_text, flags)
        self.panels.record(imgui, "rename field")
        imgui.same_line()
        if imgui.button("rename") or entered:
            new_name = self.rename_text.strip()[:NAME_LIMIT]
            if self._edit(
                "renamed", partial(rename_landmark, show.landmarks_path, name, new_name), show, (name, new_name)
            ):
                self.selected = self._rename_for = new_name
                self._say(f"renamed {name!r} to {new_name!r}")
        self.panels.record(imgui, "rename")
        index = names.index(name)
        imgui.text(f"{index + 1}/{len(names)} {self._label(imgui, name, NAME_WIDTH * scale)}")
        for label, to in (("<", index - 1), (">", index + 1)):
            imgui.same_line()
            if imgui.button(label) and 0 <= to < len(names):
                if self._edit("moved", partial(move_landmark, show.landmarks_path, name, to), show):
                    self._say(f"moved {name!r} to place {to + 1}")
            self.panels.record(imgui, f"move {label}")
        imgui.same_line()
        self._delete_button(imgui, show, name, now)

    def _delete_button(self, imgui, show, name: str, now: float) -> None:
        armed = self.armed is not None and self.armed[0] == name and now < self.armed[1]
        if armed:
            imgui.push_style_color(imgui.Col_.button, imgui.ImVec4(*ARMED))
        clicked = imgui.button(f"really delete {name}?###delete" if armed else "delete###delete")
        if armed:
            imgui.pop_style_color()
        self.panels.record(imgui, "delete")
        if not clicked:
            return
        if not armed:
            self.armed = (name, now + DELETE_ARMED)
            self._say(f"click again within {DELETE_ARMED:.0f} s to delete {name!r}")
            return
        self.armed = None
        if self._edit("deleted", partial(delete_landmark, show.landmarks_path, name), show):
            self.selected = None
            self._say(f"deleted {name!r}")

    def _edit(self, what: str, edit, show, renamed: tuple[str, str] | None = None) -> bool:
        """Run a file edit, then have the show read the file again; a failure is one line, in red."""
        try:
            edit()
        except (LandmarkError, OSError) as exc:  # OSError: safe_files' WriteError, the old file kept
            log.error("landmark not %s: %s", what, exc)
            self._say(f"not {what}: {str(exc).splitlines()[0]}", failed=True)
            return False
        if not show.reload_landmarks(renamed):
            self._say(f"{what}, but the show could not read the file again (the log says why)", failed=True)
            return False
        return True

    def _say(self, message: str, failed: bool = False) -> None:
        self.message, self.failed = message, failed

    def _curve(self, z: tuple):
        if z not in self._curves:
            if len(self._curves) > CACHED:
                self._curves.clear()
            self._curves[z] = signature_curve(z, 64)
        return self._curves[z]

    def _label(self, imgui, text: str, width: float) -> str:
        """`text` cut to `width` pixels (with ".." where it was cut): the names sit in a fixed cell."""
        key = (text, width)
        if key not in self._labels:
            if len(self._labels) > CACHED:
                self._labels.clear()
            cut = text
            while len(cut) > 1 and imgui.calc_text_size(cut).x > width:
                cut = cut[:-1]
            self._labels[key] = text if cut == text else cut[:-2].rstrip() + ".."
        return self._labels[key]

    def release(self) -> None:
        if self.atlas is not None:
            self.atlas.release()
