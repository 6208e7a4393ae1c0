"""Output: what the projector shows (the output's own texture, no copy), with the loop's render time, render
and present rates, the render scale, the outputs' dropped frames and a line per output that reports one (what
it sent, dropped, its send time); a button moves the output window to fullscreen and back."""

from __future__ import annotations


class OutputPanel:
    title = "Output"

    def __init__(self, panels, context) -> None:
        self.panels, self.app = panels, panels.app

    def draw(self, imgui, operator, frame) -> None:
        timing = self.app.timing
        imgui.text(f"render {timing.render_ms:.1f} ms  {timing.render_fps:.0f}/s   present {timing.present_fps:.0f}/s")
        dropped = sum(output.stats().get("dropped", 0) for output in self.app.outputs if hasattr(output, "stats"))
        target = frame.target
        imgui.text(f"frame {target.size[0]}x{target.size[1]}   {self._scale_text()}   dropped {dropped}")
        for line in self._output_lines():  # NDI, Syphon, Spout, the recorder: sent, dropped, send time
            imgui.text(line)
        image = operator.preview_image(target)
        if image is not None:
            avail = imgui.get_content_region_avail()
            aspect = target.size[1] / max(1, target.size[0])
            w = max(1.0, min(avail.x, (avail.y - 30) / aspect if aspect else avail.x))
            # the offscreen texture's rows are bottom first: flipped with the texture coordinates
            imgui.image(image, imgui.ImVec2(w, w * aspect), imgui.ImVec2(0, 1), imgui.ImVec2(1, 0))
        if imgui.button("output fullscreen / window"):
            self.app.surface.toggle_fullscreen()

    def _output_lines(self) -> list[str]:
        return [line for output in self.app.outputs for line in getattr(output, "status_lines", list)()]

    def _scale_text(self) -> str:
        renderer = self.panels.context.renderer
        scale = getattr(renderer, "render_scale", 1.0)
        auto = getattr(renderer, "scale_control", None) is not None
        return f"render scale {scale:.2f}{' (auto)' if auto else ''}"
