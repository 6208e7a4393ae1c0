"""Output: what the projector shows (the output's own texture, no copy), with the loop's render time, render
and present rates, the render scale, the outputs' dropped frames and a line per output that reports one (what
it sent, dropped, its send time); a monitor to choose and a button that puts the output window fullscreen on
it, and back (with one screen: the output goes fullscreen there and the operator window stays a window)."""

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
        self._fullscreen(imgui)

    def _fullscreen(self, imgui) -> None:
        surface = self.app.surface
        glfw = getattr(surface, "glfw", None)
        monitors = list(glfw.get_monitors() or []) if glfw is not None else []
        if monitors:
            names = [f"{i}: {_monitor_name(glfw, m)}" for i, m in enumerate(monitors)]
            chosen = monitors.index(surface.monitor) if surface.monitor in monitors else 0
            imgui.set_next_item_width(180 * self.panels.scale)
            changed, chosen = imgui.combo("monitor", chosen, names)
            if changed and monitors[chosen] != surface.monitor:
                surface.monitor = monitors[chosen]
                if surface.fullscreen:  # already on the projector: move it to the chosen one
                    surface.toggle_fullscreen()
                    surface.toggle_fullscreen()
            imgui.same_line()
        label = "window" if getattr(surface, "fullscreen", False) else "fullscreen"
        if imgui.button(f"output {label}###output fullscreen"):
            surface.toggle_fullscreen()
        self.panels.record(imgui, "output fullscreen")

    def _output_lines(self) -> list[str]:
        return [line for output in self.app.outputs for line in getattr(output, "status_lines", list)()]

    def _scale_text(self) -> str:
        renderer = self.panels.context.renderer
        scale = getattr(renderer, "render_scale", 1.0)
        auto = getattr(renderer, "scale_control", None) is not None
        return f"render scale {scale:.2f}{' (auto)' if auto else ''}"


def _monitor_name(glfw, monitor) -> str:
    name = glfw.get_monitor_name(monitor) or "monitor"
    return name.decode(errors="replace") if isinstance(name, bytes) else str(name)
