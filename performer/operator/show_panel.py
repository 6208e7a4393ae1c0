"""Show: walks (play/stop, next), tempo (tap), recording, snapshot and blackout as buttons; then every
status line (walk, tempo, recording with its file and drops, OSC and MIDI activity) and the errors in red
with their file and line, as the HUD shows them."""

from __future__ import annotations

from performer.operator.panels import ERROR_RED

BUTTONS = (
    ("walk play/stop", "walk/toggle"),
    ("next walk", "walk/next"),
    ("tap tempo", "tap"),
    ("record", "record/toggle"),
    ("snapshot", "snapshot"),
    ("blackout", "blackout"),
)


class ShowPanel:
    title = "Show"

    def __init__(self, panels, context) -> None:
        self.panels, self.app = panels, panels.app

    def draw(self, imgui, operator, frame) -> None:
        for number, (label, address) in enumerate(BUTTONS):
            if number % 3:
                imgui.same_line()
            if imgui.button(label):
                self.panels.source.trigger(address)
            self.panels.record(imgui, address)
        for line in self.app._lines(self.app.status_sources):
            imgui.text(line)
        for line in self.app.errors + self.app._lines(self.app.error_sources):
            imgui.text_colored(imgui.ImVec4(*ERROR_RED), line)
