"""`performer bench-operator`: what the operator window costs the live loop, measured in one run.

A real session as `performer play` builds it (output window, operator window sharing its GL objects, OSC,
the show), with z moving every frame so every frame is a real render. Rounds alternate the operator window
shown (redrawn every frame) and hidden (it draws nothing), uncapped, at render scale 1: the frame time of
each, their medians over the rounds and the median of the per-round ratios. Then the loop as a show runs
it, the operator hidden and then shown (redrawn --operator-fps times a second, play's default 30): --fps
(default 60) with --render-scale auto and a walk playing, frames a second over the second half and the
scale auto settled at. With no DISPLAY it starts its own Xvfb. `--screenshot FILE` writes the operator
window at the end (the README's picture).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from performer.cli_types import parse_fps, parse_size
from performer.paths import DEFAULT_LANDMARKS, DEFAULT_MODEL


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("bench-operator", description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="model .safetensors (default: shipped)")
    p.add_argument("--size", type=parse_size, default=(640, 360), help="output size WxH (default 640x360)")
    p.add_argument("--operator-size", type=parse_size, default=(1280, 720), help="operator window (1280x720)")
    p.add_argument("--frames", type=int, default=60, help="frames a round (default 60)")
    p.add_argument("--rounds", type=int, default=5, help="rounds of each, alternating (default 5)")
    p.add_argument("--fps", type=parse_fps, default=60.0, help="the frame budget of the auto loop (default 60)")
    p.add_argument("--seconds", type=float, default=12.0, help="length of the auto loop (default 12)")
    p.add_argument("--operator-fps", type=parse_fps, default=30.0, help="the operator's redraws a second (30)")
    p.add_argument("--walk", default="tour", help="the walk playing during the auto loop (default tour)")
    p.add_argument("--screenshot", type=Path, metavar="FILE", help="write the operator window to this PNG")
    return p


def open_session(args, record_dir: str):
    from performer.play_options import add_play_options
    from performer.render.weights import CppnWeights
    from performer.render.window import GlfwWindow
    from performer.session import build_session
    from performer.state import PerformanceState

    width, height = args.size
    parser = argparse.ArgumentParser(prog="performer play")
    add_play_options(parser)
    play = parser.parse_args(
        ["--size", f"{width}x{height}", "--osc-port", "0", "--no-midi", "--no-reload", "--fps", "1000"]
        + ["--landmarks", str(DEFAULT_LANDMARKS), "--record-dir", record_dir, "--model", str(args.model)]
        + ["--operator-fps", str(args.operator_fps)]
    )
    weights = CppnWeights.from_file(args.model)
    surface = GlfwWindow((width, height), "performer", vsync=False)
    built = build_session(play, surface, weights, PerformanceState(latent_dim=weights.latent_dim))
    if built.operator is None:
        built.close()
        surface.close()
        raise RuntimeError("the operator window did not open (see the log)")
    built.operator.glfw.set_window_size(built.operator.window, *args.operator_size)
    return built, surface, weights


def cost_rounds(session, frames: int, rounds: int) -> dict[str, list[float]]:
    """ms a frame with the operator hidden and shown, alternating, `rounds` each."""
    app, operator = session.app, session.operator
    glfw = operator.glfw
    times: dict[str, list[float]] = {"output alone": [], "output + operator": []}
    period, operator.period = operator.period, 0.0  # a redraw every frame: the cost of one redraw
    app.run(10)  # warm: programs compiled, the font atlas built
    for _ in range(rounds):
        for name, shown in (("output alone", False), ("output + operator", True)):
            (glfw.show_window if shown else glfw.hide_window)(operator.window)
            app.run(3)  # the change settles (a shown window's first frames)
            started = time.perf_counter()
            drawn = app.run(frames)
            session.renderer.ctx.finish()
            times[name].append(1000 * (time.perf_counter() - started) / max(1, drawn))
    glfw.show_window(operator.window)
    operator.period = period  # the show loop redraws at --operator-fps, as play does
    return times


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from performer.measure import Orbit
    from performer.render.scale import AutoScale
    from performer.virtual_display import NoVirtualDisplay, virtual_display

    if os.environ.get("DISPLAY"):
        return measure(args, np, Orbit, AutoScale)
    try:
        with virtual_display("1920x1080x24") as display:
            os.environ["DISPLAY"] = display
            print(f"no DISPLAY: on a virtual one ({display}, Xvfb)")
            return measure(args, np, Orbit, AutoScale)
    except NoVirtualDisplay as exc:
        print(f"error: no display and no virtual one: {exc}")
        return 2


def measure(args, np, Orbit, AutoScale) -> int:
    with tempfile.TemporaryDirectory() as record_dir:
        try:
            session, surface, weights = open_session(args, record_dir)
        except Exception as exc:  # no GL, no window: one line
            print(f"error: {exc}")
            return 2
        app = session.app
        try:
            mover = Orbit(app, np.zeros(weights.latent_dim), float("inf"))
            app.inputs.append(mover)
            width, height = args.size
            ow, oh = args.operator_size
            print(f"output {width}x{height}, operator {ow}x{oh}, render scale 1, uncapped, z moving every frame")
            times = cost_rounds(session, args.frames, args.rounds)
            alone, both = (statistics.median(times[name]) for name in ("output alone", "output + operator"))
            ratios = [b / a for a, b in zip(times["output alone"], times["output + operator"], strict=True)]
            for name, values in times.items():
                shown = " ".join(f"{v:.1f}" for v in values)
                print(f"  {name:18} median {statistics.median(values):6.1f} ms a frame  (rounds: {shown})")
            print(f"  the operator window: +{both - alone:.1f} ms a frame, x{statistics.median(ratios):.2f}")
            app.inputs.remove(mover)
            glfw = session.operator.glfw
            for shown in (False, True):  # the show's loop with the operator hidden, then shown
                (glfw.show_window if shown else glfw.hide_window)(session.operator.window)
                auto_loop(args, session, AutoScale, shown)
            if args.screenshot is not None:
                session.operator.save_screenshot(args.screenshot)
                print(f"operator window: {args.screenshot}")
        finally:
            session.close()
            surface.close()
    return 0


def auto_loop(args, session, AutoScale, shown: bool) -> None:
    """The show's loop: --fps, auto render scale, the walk playing, the operator `shown` or hidden."""
    app, renderer = session.app, session.renderer
    renderer.render_scale = 1.0
    renderer.scale_control = AutoScale(1.0 / args.fps)
    app.frame_period = 1.0 / args.fps
    session.show.play_walk(args.walk)
    trace: list[tuple[float, int, float]] = []  # (seconds in, frames shown, scale) once a frame
    started = time.perf_counter()

    class Timer:  # an input that notes each frame and ends the loop after --seconds
        def update(self, state, now, dt) -> None:
            trace.append((time.perf_counter() - started, app.frames, renderer.render_scale))
            if trace[-1][0] >= args.seconds:
                app.quit()

    timer = Timer()
    app.inputs.append(timer)
    app.running = True
    app.run()
    app.inputs.remove(timer)
    half = next(i for i, row in enumerate(trace) if row[0] >= args.seconds / 2)
    fps = (trace[-1][1] - trace[half][1]) / (trace[-1][0] - trace[half][0])
    changes = sum(1 for a, b in zip(trace, trace[1:], strict=False) if a[2] != b[2])
    held = "held" if fps >= 0.97 * args.fps else "NOT held"
    print(
        f"show loop, operator {f'shown at {args.operator_fps:g}/s' if shown else 'hidden'}, --fps {args.fps:g}, "
        f"--render-scale auto, walk {args.walk}: "
        f"{fps:.1f} frames/s over the second half ({held}), scale {renderer.render_scale:.2f}, {changes} change(s)"
    )
