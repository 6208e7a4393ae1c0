"""The operator window's panels: one ImGui window each, laid out on first use by LAYOUT (fractions of the
operator window; the performer may move and resize them), drawn in PANEL_KINDS order. A panel is one file of
performer/operator/ with a class taking (panels, context): `title`, `draw(imgui, operator, frame)` for the
window's body, and optionally `prepare(frame)`, called with the output's GL context current before the
operator draws (thumbnails rendered by the CPPN go there). Every change leaves through the operator Source
(source.py) as a control event; panels only read the state, the app's timing and its status and error lines.
`extra`: callables of (imgui, operator, frame), drawn after the panels (tests, plug-ins)."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

SLIDER_WIDTH = 300  # pixels at scale 1: wide enough to place a latent to about 0.02
ERROR_RED = (1.0, 0.35, 0.3, 1.0)
# title -> (x, y, width, height) as fractions of the operator window
LAYOUT = {
    "Output": (0.0, 0.0, 0.3, 0.5),
    "Show": (0.0, 0.5, 0.3, 0.5),
    "Parameters": (0.3, 0.0, 0.3, 1.0),
    "Landmarks": (0.6, 0.0, 0.4, 0.5),
    "Design canvas": (0.6, 0.5, 0.2, 0.5),
    "Map": (0.8, 0.5, 0.2, 0.5),
}
PANEL_KINDS = (  # module:class, in drawing order
    "performer.operator.output_panel:OutputPanel",
    "performer.operator.parameters_panel:ParametersPanel",
    "performer.operator.show_panel:ShowPanel",
    "performer.operator.landmarks_panel:LandmarksPanel",
    "performer.operator.canvas_panel:CanvasPanel",
    "performer.operator.map_panel:MapPanel",
)


@dataclass
class OperatorContext:
    """What the panels may read beyond the app: set by performer/session.py as the show is built."""

    renderer: object = None
    show: object = None  # walks/live.py LiveShow (landmarks, walks)
    model_path: object = None
    sources: list = field(default_factory=list)  # Sources a panel brings (the design canvas), for the hub


class Panels:
    def __init__(
        self, app, source, latent_dim: int = 8, extra: list[Callable] | None = None, context=None, kinds=PANEL_KINDS
    ) -> None:
        self.app, self.source, self.latent_dim = app, source, latent_dim
        self.context = context if context is not None else OperatorContext()
        self.extra = list(extra or [])
        self.scale = 1.0  # the screen's content scale (HiDPI), set by the window
        self.rects: dict[str, tuple[float, float, float, float]] = {}  # widget -> (x0, y0, x1, y1): for tests
        self.panels = [_load(kind)(self, self.context) for kind in kinds]

    def prepare(self, frame) -> None:
        for panel in self.panels:
            if hasattr(panel, "prepare"):
                panel.prepare(frame)

    def draw(self, operator, frame) -> None:
        from imgui_bundle import imgui

        io = imgui.get_io()
        width, height = io.display_size.x, io.display_size.y
        for panel in self.panels:
            x, y, w, h = LAYOUT.get(panel.title, (0.1, 0.1, 0.3, 0.3))
            imgui.set_next_window_pos(imgui.ImVec2(x * width, y * height), imgui.Cond_.first_use_ever)
            imgui.set_next_window_size(imgui.ImVec2(w * width, h * height), imgui.Cond_.first_use_ever)
            if imgui.begin(panel.title)[0]:
                panel.draw(imgui, operator, frame)
            imgui.end()
        for extra in self.extra:
            extra(imgui, operator, frame)

    def record(self, imgui, name: str, frame_width: float | None = None) -> None:
        """The last widget's rectangle under `name`; a slider's without its label (`frame_width`)."""
        low, high = imgui.get_item_rect_min(), imgui.get_item_rect_max()
        right = low.x + frame_width if frame_width is not None else high.x
        self.rects[name] = (low.x, low.y, right, high.y)

    def release(self) -> None:
        for panel in self.panels:
            if hasattr(panel, "release"):
                panel.release()


def _load(kind: str):
    module, _, name = kind.partition(":")
    return getattr(importlib.import_module(module), name)
