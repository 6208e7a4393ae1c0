"""Map: the space in 2-D, as the Explorer's show2d. The garment latents of the training images written at
export, embedded in 2-D (UMAP, or PCA without umap-learn: model/garment_map.py), one small square each
coloured by its class, with the legend above; the current position as a gold ring and the last positions
as a fading trail; hovering shows the nearest garment (drawn by the CPPN, with its class); a click goes
there through the operator Source (/performer/z, all latents at once).

A map point becomes z by map_space.MapSpace.to_z: inverse-distance interpolation of the 8 garments nearest
on the map, not a learned inverse: it needs no training, works for UMAP and PCA alike, and always lands
among real garments' latents, where the decoder draws garments; a learned inverse extrapolates between
the islands into latents the encoder never uses (map_space.py's docstring has the measurements).

Where a click lands (tests/operator_map_cases.py holds both):
- on a garment's point (within map_space.SNAP, 1% of the map's larger side, of it: ~2 px in the default
  layout of the shipped map): that garment's latent to within 1e-6 per latent, the float32 the state keeps
  (|z| < 4.4, so rounding is at most 2.4e-7); components beyond the state's +-4 (LATENT_LIMIT) are clamped,
  as any source's are (1 garment of the shipped 2,000);
- anywhere else: MapSpace.to_z of the map point under the mouse, to within the same 1e-6. The pixel->map
  mapping is MapView: one scale for both axes (a distance on screen is a distance on the map), the map's
  bounds centred in the area less MARGIN, the map's y up.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from performer.map_space import NEIGHBOURS, MapSpace, class_name
from performer.model.arrays import ModelFileError, read_model_arrays
from performer.operator.garment_atlas import GarmentAtlas
from performer.operator.parameters_panel import LOOK_KEY

log = logging.getLogger(__name__)
MARGIN = 6  # pixels at scale 1 between the map's frame and its outermost points: a square is not cut
POINT = 1.5  # half a garment square's side, pixels at scale 1: 2,000 of them still leave gaps to see
RING = 6.0  # the current position's ring radius, pixels at scale 1
HOVER_TILE = 96  # the hovered garment's thumbnail, pixels at scale 1
MIN_SIDE = 40  # pixels: a map area smaller than this is not drawn
CURRENT = (1.0, 0.85, 0.2, 1.0)  # the markers' gold, as Parameters and Landmarks mark the current one
TRAIL = (1.0, 1.0, 1.0)  # the trail's colour, its alpha rising from 0 (oldest) to TRAIL_ALPHA (newest)
TRAIL_ALPHA = 0.8
BACKDROP = (0.03, 0.03, 0.035, 1.0)


def im_col32(red: float, green: float, blue: float, alpha: float = 1.0) -> int:
    """ImGui's packed colour (IM_COL32: A B G R from the top byte down), rounded as ImGui rounds it."""
    r, g, b, a = (int(min(max(v, 0.0), 1.0) * 255 + 0.5) for v in (red, green, blue, alpha))
    return (a << 24) | (b << 16) | (g << 8) | r


@dataclass(frozen=True)
class MapView:
    """Where the map's bounds sit on the screen: x = left + (map x - x_min) * scale, y = top + (y_max - map y)
    * scale (the map's y up, the screen's down)."""

    left: float
    top: float
    scale: float
    x_min: float
    y_max: float

    @classmethod
    def fit(cls, bounds, low: tuple[float, float], size: tuple[float, float], margin: float) -> MapView:
        """The map's `bounds` (x_min, y_min, x_max, y_max) as large as fits the area at `low` of `size`
        less `margin` on every side, centred, one scale for both axes."""
        x_min, y_min, x_max, y_max = bounds
        span_x, span_y = max(x_max - x_min, 1e-9), max(y_max - y_min, 1e-9)  # one garment: no division by 0
        scale = max(min((size[0] - 2 * margin) / span_x, (size[1] - 2 * margin) / span_y), 1e-9)
        left = low[0] + (size[0] - span_x * scale) / 2
        top = low[1] + (size[1] - span_y * scale) / 2
        return cls(left, top, scale, x_min, y_max)

    def to_screen(self, points) -> np.ndarray:
        """Map points [N, 2] -> screen pixels [N, 2]."""
        points = np.asarray(points, np.float64).reshape(-1, 2)
        return np.column_stack(
            [self.left + (points[:, 0] - self.x_min) * self.scale, self.top + (self.y_max - points[:, 1]) * self.scale]
        )

    def to_map(self, x: float, y: float) -> np.ndarray:
        """A screen pixel -> its map point [2]."""
        return np.array([self.x_min + (x - self.left) / self.scale, self.y_max - (y - self.top) / self.scale])


def load_space(model_path) -> tuple[MapSpace | None, str]:
    """(the model file's map, "") or (None, one line saying why there is none)."""
    if model_path is None:
        return None, "no map: no model file"
    try:
        space = MapSpace.from_model(read_model_arrays(model_path))
    except (ModelFileError, OSError, ValueError) as exc:
        log.error("map: %s", exc)
        return None, f"no map: {str(exc).splitlines()[0]}"
    if space is None:
        return None, "no map in this model file: run `performer map` to add one"
    return space, ""


class MapPanel:
    title = "Map"

    def __init__(self, panels, context) -> None:
        self.panels, self.app, self.context = panels, panels.app, context
        self.space, self.message = load_space(context.model_path)
        self.atlas: GarmentAtlas | None = None
        self.hovered: int | None = None  # the garment under the mouse (the tooltip's), None off the map
        self.view: MapView | None = None
        self._squares: list[tuple] = []  # (top-left, bottom-right, colour) of every garment under self.view
        self._z: bytes | None = None  # the z last visited
        self.current: tuple[float, float] | None = None  # its map point
        if self.space is not None:
            self.colours = [im_col32(*colour) for colour in self.space.colours().tolist()]
            self.legend = [(name, im_col32(*colour)) for name, colour in self.space.legend()]
            self.bounds = self.space.bounds()
            self._legend_width: float | None = None

    # ---- output context ----------------------------------------------------------------------------------
    def prepare(self, frame) -> None:
        renderer, hovered = self.context.renderer, self.hovered
        if self.space is None or renderer is None or hovered is None:
            return
        if self.atlas is None:
            self.atlas = GarmentAtlas(renderer, tile=round(HOVER_TILE * self.panels.scale), columns=1)
        state = self.app.state
        generation = getattr(getattr(renderer, "program", None), "generation", 0)
        key = (hovered, *(state.params[name] for name in LOOK_KEY), generation)
        self.atlas.update(key, [self.space.latents[hovered]], state)

    # ---- operator context --------------------------------------------------------------------------------
    def draw(self, imgui, operator, frame) -> None:
        space = self.space
        if space is None:
            self.hovered = None
            imgui.text_wrapped(self.message)
            return
        scale = self.panels.scale
        imgui.text(f"{space.kind.upper()} of {len(space.points):,} garments")
        self._legend(imgui, scale)
        avail = imgui.get_content_region_avail()
        if min(avail.x, avail.y) < MIN_SIDE * scale:
            self.hovered = None
            imgui.text_disabled("(make the panel larger to see the map)")
            return
        low = imgui.get_cursor_screen_pos()
        clicked = imgui.invisible_button("map", imgui.ImVec2(avail.x, avail.y))
        self.panels.record(imgui, "map")
        hovered = imgui.is_item_hovered()
        view = MapView.fit(self.bounds, (low.x, low.y), (avail.x, avail.y), MARGIN * scale)
        if view != self.view:  # the squares' corners are built once per layout: the loop below is the cost
            self.view = view
            self._squares = self._layout(view, scale)
        mouse = imgui.get_io().mouse_pos
        point = view.to_map(mouse.x, mouse.y)
        self.hovered = space.nearest(point) if hovered else None
        if clicked:
            self.panels.source.set_latents(space.to_z(point))
        z = self.app.state.z
        if z.tobytes() != self._z:
            self._z, self.current = z.tobytes(), space.visit(z)
        self._draw_map(imgui, view, (low.x, low.y, low.x + avail.x, low.y + avail.y), scale)
        if self.hovered is not None:
            self._tooltip(imgui, operator, point, scale)

    def _layout(self, view: MapView, scale: float) -> list[tuple]:
        half = POINT * scale
        corners = view.to_screen(self.space.points)
        return [
            ((x - half, y - half), (x + half, y + half), colour)
            for (x, y), colour in zip(corners.tolist(), self.colours, strict=True)
        ]

    def _legend(self, imgui, scale: float) -> None:
        """Class name and colour swatch of every class present, in as many columns as fit."""
        style = imgui.get_style()
        swatch = imgui.get_text_line_height()
        if self._legend_width is None:  # the font does not change while the show runs
            widest = max(imgui.calc_text_size(name).x for name, _ in self.legend)
            self._legend_width = swatch + style.item_inner_spacing.x + widest + 2 * style.item_spacing.x
        columns = max(1, int(imgui.get_content_region_avail().x // self._legend_width))
        start = imgui.get_cursor_pos_x()
        draw = imgui.get_window_draw_list()
        for index, (name, colour) in enumerate(self.legend):
            if index % columns:
                imgui.same_line(start + (index % columns) * self._legend_width)
            corner = imgui.get_cursor_screen_pos()
            imgui.dummy(imgui.ImVec2(swatch, swatch))
            draw.add_rect_filled(corner, (corner.x + swatch, corner.y + swatch), colour)
            imgui.same_line(spacing=style.item_inner_spacing.x)
            imgui.text(name)

    def _draw_map(self, imgui, view: MapView, area, scale: float) -> None:
        draw = imgui.get_window_draw_list()
        x0, y0, x1, y1 = area
        draw.add_rect_filled((x0, y0), (x1, y1), im_col32(*BACKDROP))
        draw.push_clip_rect((x0, y0), (x1, y1), True)
        for top_left, bottom_right, colour in self._squares:
            draw.add_rect_filled(top_left, bottom_right, colour)
        trail = view.to_screen(list(self.space.trail)).tolist()
        for index in range(1, len(trail)):  # oldest first: each segment a little brighter than the last
            alpha = TRAIL_ALPHA * index / (len(trail) - 1)
            draw.add_line(trail[index - 1], trail[index], im_col32(*TRAIL, alpha), 1.5 * scale)
        if self.hovered is not None:
            ((x, y),) = view.to_screen(self.space.points[self.hovered]).tolist()
            draw.add_circle((x, y), 3.5 * scale, im_col32(1.0, 1.0, 1.0), 0, 1.0 * scale)
        if self.current is not None:
            ((x, y),) = view.to_screen(self.current).tolist()
            draw.add_circle((x, y), RING * scale + 1.5 * scale, im_col32(0.0, 0.0, 0.0, 0.8), 0, 1.5 * scale)
            draw.add_circle((x, y), RING * scale, im_col32(*CURRENT), 0, 2.0 * scale)
        draw.pop_clip_rect()

    def _tooltip(self, imgui, operator, point: np.ndarray, scale: float) -> None:
        """The hovered garment drawn by the CPPN (once its tile is drawn: the frame after it is first
        hovered), its class, and what a click there gives."""
        space, index = self.space, self.hovered
        snapped = float(np.sum((space.points[index] - point) ** 2)) <= space.snap_radius**2
        if not imgui.begin_tooltip():
            return
        atlas = self.atlas
        if atlas is not None and atlas.texture is not None and atlas.key is not None and atlas.key[0] == index:
            image = operator.shared_image(atlas.texture, "map hover")
            uv0, uv1 = atlas.uv(0)
            side = HOVER_TILE * scale
            imgui.image(image, imgui.ImVec2(side, side), imgui.ImVec2(*uv0), imgui.ImVec2(*uv1))
            self.panels.record(imgui, "map hover")
        imgui.text(f"{class_name(int(space.labels[index]))}, garment {index + 1}")
        imgui.text_disabled("click: this garment" if snapped else f"click: a blend of the {NEIGHBOURS} nearest")
        imgui.end_tooltip()

    def release(self) -> None:
        if self.atlas is not None:
            self.atlas.release()
