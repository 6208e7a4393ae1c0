"""One performance wired together around the app loop, as `performer play` (and soak, and the tests) run it:

    sources (OSC, MIDI, joysticks, keys, --source) -> control hub -> state <- show (landmarks, walks)
    state -> renderer (with the print layer) -> outputs (recorder, --output ..., the window with the HUD)

build_session(args, surface, weights, state) takes play's parsed options; Session.close() ends it all in
order (the recording finished, the print worker stopped, the ports closed, GL objects freed).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field


@dataclass
class Session:
    """Everything one performance wires together around the app loop (see build_session)."""

    app: object
    renderer: object
    hud: object
    reloader: object
    show: object
    prints: object
    hubs: list = field(default_factory=list)
    recorder: object = None
    operator: object = None  # the operator window (performer/operator), when there is one

    def close(self) -> None:
        self.reloader.stop()
        self.app.close()  # every output: the recorder waits for ffmpeg to finish the file
        for hub in self.hubs:
            hub.close()
        self.prints.release()  # stops the print worker
        self.hud.release()
        if self.app.previews is not None:
            self.app.previews.release()
        self.renderer.release()


def build_session(args: argparse.Namespace, surface, weights, state) -> Session:
    """The app loop with every input and output plugged in, one way:
    controllers and walks -> state -> renderer -> outputs (recorder, --output ..., the window with the HUD)."""
    from performer.app import App
    from performer.controls.cli_options import build_inputs, source_factories
    from performer.outputs.base import load_output
    from performer.outputs.recorder import LiveRecorder
    from performer.prints.live import start_prints
    from performer.render.cppn_renderer import CppnRenderer
    from performer.render.hotreload import ShaderReloader
    from performer.render.hud import Hud
    from performer.render.previews import LatentPreviews
    from performer.render.scale import use_render_scale
    from performer.sources.ableton_link import open_link
    from performer.targets import provide
    from performer.walks.live import LiveShow

    extra_outputs = [load_output(spec) for spec in args.output]  # OutputSpecError: before anything starts
    sharing = sharing_outputs(args)  # --ndi, --syphon, --spout
    extra_sources = source_factories(args)  # a bad --source: one line and status 2, before anything starts
    # learned prints run in a worker process; a missing or broken file is logged and play goes on
    prints = start_prints(surface.ctx, args.model, None if args.no_prints else args.prints)
    try:
        renderer = CppnRenderer(surface.ctx, weights, args.weights, args.shaders, prints=prints)
    except BaseException:
        prints.release()  # stops the print worker
        raise
    hud = Hud(surface.ctx, args.shaders)
    previews = LatentPreviews(renderer, weights.latent_dim, directory=args.shaders)
    reloader = ShaderReloader(
        renderer.programs + hud.programs + previews.programs, watch=not args.no_reload and not args.headless
    )
    app = App(surface, renderer, state, hud, reloader, args.snapshot_dir, args.seed, fps=args.fps)
    app.previews = previews
    use_render_scale(app, renderer, args.render_scale, args.fps)
    app.garments, app.prior = weights.garments, weights.prior

    place_output(args, surface)
    operator = open_operator(args, surface, app, weights.latent_dim, renderer)
    if operator is not None:  # the operator's own Source, and any a panel brings (the design canvas)
        extra_sources = [*extra_sources, operator.panels.source, *operator.panels.context.sources]
    link = open_link(args)  # --link: the Link session's tempo and beats; a Source, so the hub shows and closes it
    if link is not None:
        extra_sources = [*extra_sources, link]
    # OSC, MIDI, joysticks, the app's keyboard (its keys also go to the mappings), any --source, the operator
    hubs = build_inputs(args, app.actions, weights.latent_dim, keyboard=app.keyboard, sources=extra_sources)
    app.inputs += hubs

    hub = hubs[0] if hubs else None
    clock_bpm = (lambda: hub.tempo) if hub is not None else None
    show = LiveShow.build(state, weights.latent_dim, args.landmarks, bpm=args.bpm, clock_bpm=clock_bpm, beat_clock=link)
    app.inputs.append(show)  # after the hub: this frame's hand moves become offsets on top of the walk
    provide(app.actions, show.actions())  # the same dict the hub fires into, by the names of performer/targets.py
    app.status_sources.append(show.status_lines)
    if operator is not None:
        operator.panels.context.show = show
    recorder = LiveRecorder(args.record_dir, args.record_fps, args.record_codec)
    provide(app.actions, recorder.actions())
    for output in [recorder, *extra_outputs, *sharing]:  # their status lines follow the show's in the HUD
        app.add_output(output)
    if operator is not None:
        app.add_output(operator)  # before the window: it draws, then the output window presents
    app.status_sources += [hub.status_lines for hub in hubs]
    app.error_sources += [hub.error_lines for hub in hubs]
    app.status_sources.append(lambda: [line] if (line := prints.status_line(state.params)) else [])
    if args.walk:
        show.play_walk(args.walk)
    return Session(app, renderer, hud, reloader, show, prints, hubs, recorder, operator)


def sharing_outputs(args: argparse.Namespace) -> list:
    """--ndi, --syphon, --spout: the output sent to other programs. A library that is missing is one line in
    the log and the HUD when the output opens; the show plays on without it. A blank name is one line here."""
    outputs = []
    try:
        if getattr(args, "ndi", None) is not None:
            from performer.outputs.ndi import NdiOutput

            outputs.append(NdiOutput(args.ndi, fps=args.fps))
        if getattr(args, "syphon", None) is not None:
            from performer.outputs.syphon import SyphonOutput

            outputs.append(SyphonOutput(args.syphon))
        if getattr(args, "spout", None) is not None:
            from performer.outputs.spout import SpoutOutput

            outputs.append(SpoutOutput(args.spout))
    except ValueError as exc:
        raise SystemExit(f"performer play: {exc}") from None
    return outputs


def place_output(args: argparse.Namespace, surface) -> None:
    """--output-monitor N: the clean output fullscreen on monitor N; a monitor that is not there is one line."""
    number = getattr(args, "output_monitor", None)
    if number is None or not hasattr(surface, "window"):
        return
    monitors = surface.glfw.get_monitors() or []
    if not 0 <= number < len(monitors):
        raise SystemExit(f"performer play: --output-monitor {number}: there are {len(monitors)} monitor(s)")
    surface.monitor = monitors[number]
    if surface.fullscreen:
        surface.toggle_fullscreen()
    surface.toggle_fullscreen()


def open_operator(args: argparse.Namespace, surface, app, latent_dim: int, renderer=None):
    """The operator window beside a GLFW output window (not headless, not --no-operator); None without one.
    One that cannot open is logged and the show goes on with the single window and its HUD."""
    if getattr(args, "no_operator", True) or not hasattr(surface, "window"):
        return None
    import logging

    from performer.operator.panels import OperatorContext, Panels
    from performer.operator.source import OperatorSource
    from performer.operator.window import OperatorWindow

    try:
        context = OperatorContext(renderer=renderer, model_path=args.model)
        panels = Panels(app, OperatorSource(), latent_dim, context=context)
        shot, fps = getattr(args, "operator_screenshot", None), getattr(args, "operator_fps", 30.0)
        return OperatorWindow(surface, panels, screenshot=shot, fps=fps)
    except Exception as exc:  # no second window here (a driver without sharing): one window, as before
        logging.getLogger(__name__).warning("no operator window (%s); the HUD shows in the output", exc)
        return None
