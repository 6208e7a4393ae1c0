"""The render loop: inputs update the state, the renderer draws it offscreen (only when it changed), hooks
see the frame, the surface shows it; run() shows at most `fps` frames a second and sleeps in between, so
a still show costs next to nothing. Later issues plug in here without touching the loop:

- `inputs`: objects with update(state, now, dt), called once per frame before drawing: the keyboard (its
  latent keys), the blackout, and what play adds (the control hub, one loop over the sources of
  performer/sources/; the show; the prints). They trigger named actions with app.trigger(name).
- `keyboard`: the window's key callback (performer/sources/keyboard.py): built-in keys fire their actions
  at once, and the control hub takes it as one of its sources, so mappings see every key too.
- `actions`: name -> callable, by the names of the table in performer/targets.py ("random", "snapshot",
  "pause", "quit", "fullscreen", "hud", ...): `provide` refuses a name the table does not have.
- `outputs`: where each frame goes (performer/outputs/: the window, snapshots, the recorder, any
  `--output MODULE:FACTORY`), each given the frame without the HUD; add_output() plugs one in. Outputs
  that want pixels share one asynchronous readback (self.readback), so a frame is read once.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import numpy as np

from performer.blackout import Blackout
from performer.frame_gc import freeze_startup_heap
from performer.model import jumps
from performer.outputs.base import Frame, OutputContext, failure_line, output_name
from performer.outputs.readback import FrameReadback
from performer.outputs.snapshot import SnapshotOutput
from performer.outputs.window import WindowOutput
from performer.render.context import gil_free_finish
from performer.render.cppn_renderer import CppnRenderer
from performer.render.hotreload import ShaderReloader
from performer.render.hud import FrameTiming, Hud
from performer.render.previews import LatentPreviews
from performer.sources.keyboard import KeyboardInput
from performer.state import PerformanceState
from performer.targets import provide

log = logging.getLogger(__name__)
LOG_FAILURE_EVERY = 600  # a part failing every frame logs about once every 10 s at 60 fps


class Input(Protocol):
    def update(self, state: PerformanceState, now: float, dt: float) -> None: ...


class App:
    def __init__(
        self,
        surface,
        renderer: CppnRenderer,
        state: PerformanceState,
        hud: Hud | None = None,
        reloader: ShaderReloader | None = None,
        snapshot_dir: Path = Path("snapshots"),
        seed: int | None = None,
        clock: Callable[[], float] = time.perf_counter,
        fps: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """`fps`: the most frames a second run() shows; between frames the loop sleeps, so a still picture
        costs next to nothing (None: as fast as the surface allows, e.g. a benchmark)."""
        self.surface, self.renderer, self.state = surface, renderer, state
        self.ctx = renderer.ctx
        # Wait for each new frame with the GIL released. Otherwise the first call that needs the frame (the
        # copy to the screen) blocks inside moderngl with the GIL held, for the whole render on a software
        # GL (llvmpipe: 45 ms at 640x360), and the OSC thread, MIDI callbacks and MIDI clock stall with it.
        self.wait_for_gpu = gil_free_finish(self.ctx)
        self.hud, self.reloader = hud, reloader
        self.previews: LatentPreviews | None = None  # G shows them when set (performer play sets them)
        self.garments, self.prior = None, None  # where R and I land: CppnWeights.garments [N, L], .prior
        self.rng = np.random.default_rng(seed)
        self.clock, self.sleep = clock, sleep
        if fps is not None and not (math.isfinite(fps) and fps > 0):
            raise ValueError(f"fps must be a positive number, got {fps}")
        self.frame_period = 1.0 / fps if fps else 0.0
        self.running = True
        self.keyboard = KeyboardInput(self.trigger, state.latent_dim)
        surface.on_key = self.keyboard.on_key
        self.blackout = Blackout()
        self.inputs: list[Input] = [self.keyboard, self.blackout]
        self.failures: dict[str, tuple[int, str]] = {}  # part name -> (times failed, latest message)
        # callables returning lines for the HUD: status (walk, recording, controllers) and errors (shown in red
        # with the shader's, e.g. a broken mapping file)
        self.status_sources: list[Callable[[], list[str]]] = []
        self.error_sources: list[Callable[[], list[str]]] = []
        # where frames go (snapshots, then what play adds: the recorder, --output), the window presenting last
        self.readback = FrameReadback(self.ctx, guard=self._guarded)
        self.outputs: list = []
        self.window, self.snapshots = WindowOutput(surface, self._draw_overlays), SnapshotOutput(snapshot_dir)
        for output in (self.window, self.snapshots):
            self.add_output(output)
        own_actions = {
            "quit": self.quit,
            "pause": self.toggle_pause,
            "random": self.randomise,
            "hyperspace": self.hyperspace,
            "invent": self.invent,
            "blackout": lambda: self.blackout.toggle(self.state),
            "snapshot": self.snapshot,
            "hud": self.toggle_hud,
            "previews": self.toggle_previews,
            "fullscreen": surface.toggle_fullscreen,
        }
        self.actions: dict[str, Callable] = {}  # by the names of performer/targets.py; play adds the show's
        provide(self.actions, own_actions)
        self.frames = 0
        self.renders = 0
        self.timing = FrameTiming()  # for the HUD: presents and renders a second, render time
        self._window_start, self._window_frames, self._window_renders, self._window_render_s = clock(), 0, 0, 0.0
        self._drawn_key: tuple | None = None
        self._shown_errors: list[str] = []

    # actions -------------------------------------------------------------------------------------------
    def trigger(self, name: str) -> None:
        action = self.actions.get(name)
        if action is None:
            log.warning("no action named %r; known: %s", name, ", ".join(sorted(self.actions)))
            return
        action()

    def quit(self) -> None:
        self.running = False

    def toggle_pause(self) -> None:
        self.state.paused = not self.state.paused
        self.state.version += 1

    def toggle_hud(self) -> None:
        self.state.hud = not self.state.hud
        self.state.version += 1

    def toggle_previews(self) -> None:
        self.state.previews = not self.state.previews

    def randomise(self) -> None:
        """R: a real garment's place moved a little (without the garment table: anywhere)."""
        self.state.set_z(jumps.garment(self.garments, self.rng, self.state.latent_dim))

    def invent(self) -> None:
        """I: a sample of the learned prior, a new garment (without one: R's jump)."""
        self.state.set_z(jumps.invent(self.prior, self.garments, self.rng, self.state.latent_dim))

    def hyperspace(self) -> None:
        """Shift+R: anywhere the prior N(0, I) reaches, garment or not (the Explorer's hyperspace jump)."""
        self.state.set_z(jumps.anywhere(self.rng, self.state.latent_dim))

    def snapshot(self) -> Path | None:
        """Save the frame last shown (without the HUD) as a PNG in snapshot_dir (outputs/snapshot.py)."""
        return self.snapshots.take()

    @property
    def last_snapshot(self) -> Path | None:
        return self.snapshots.last_path

    # outputs -------------------------------------------------------------------------------------------
    def add_output(self, output) -> bool:
        """Plug in an output (performer/outputs/base.py): opened now, given every frame from the next on.
        One that fails to open is logged, counted and left out; the show goes on."""
        opener = getattr(output, "open", None)
        try:
            if opener is not None:
                opener(OutputContext(self.ctx, self.readback))
        except Exception as exc:
            self._count_failure(output_name(output), exc)
            return False
        # the window stays last: the HUD it draws then shows what the other outputs did with this frame
        at = len(self.outputs) - (1 if self.outputs and self.outputs[-1] is self.window else 0)
        self.outputs.insert(at, output)
        if hasattr(output, "status_lines"):
            self.status_sources.append(output.status_lines)  # the HUD's status lines, in the order added
        return True

    def close(self) -> None:
        """Close every output (a recording is finished: this waits for ffmpeg) and free the readback."""
        for output in reversed(self.outputs):
            if hasattr(output, "close"):
                self._guarded(output.close, name=output_name(output))
        self.readback.release()

    # the loop ------------------------------------------------------------------------------------------
    @property
    def shader_errors(self) -> list[str]:
        return [str(error) for error in self.reloader.errors] if self.reloader else []

    @property
    def errors(self) -> list[str]:
        failed = [failure_line(name, count, message) for name, (count, message) in self.failures.items()]
        outputs = self._lines([output.errors for output in self.outputs if hasattr(output, "errors")])
        return self.shader_errors + failed + outputs

    def _guarded(self, function: Callable, *args, name: str | None = None):
        """Call one part of the frame (an input, an output, a HUD source). An exception there is a bug in that
        part, not a reason to stop the show: it is logged (the first time with its traceback, then every
        LOG_FAILURE_EVERY times), counted, shown in the HUD, and the frame goes on without it."""
        try:
            return function(*args)
        except Exception as exc:
            self._count_failure(name or getattr(function, "__qualname__", type(function).__name__), exc)
            return None

    def _count_failure(self, name: str, exc: Exception) -> None:
        count = self.failures.get(name, (0, ""))[0] + 1
        self.failures[name] = (count, f"{type(exc).__name__}: {exc}"[:80])
        if count == 1:
            log.exception("%s failed; the frame goes on without it", name)
        elif count % LOG_FAILURE_EVERY == 0:
            log.error("%s failed %d times (latest: %s)", name, count, exc)

    def _lines(self, sources: list[Callable[[], list[str]]]) -> list[str]:
        return [line for source in sources for line in self._guarded(source) or []]

    def step(self, now: float, dt: float) -> None:
        """One frame: inputs, hot reload, draw (only when something changed), outputs (the window last)."""
        for source in self.inputs:
            self._guarded(source.update, self.state, now, dt)
        self._guarded(self.renderer.prepare, self.state)  # e.g. the newest learned print to its texture
        if self.reloader is not None:
            self.reloader.poll()
            errors = self.shader_errors
            if errors != self._shown_errors:  # compiler errors go to the title bar as well as the log
                self.surface.set_title(f"performer: {errors[0].splitlines()[0]}" if errors else "performer")
                self._shown_errors = errors
        size = self.surface.framebuffer_size()
        if size[0] < 1 or size[1] < 1:
            return  # minimised
        target = self.renderer.target
        key = (self.state.version, size, self.renderer.content_key)
        stale = target.size != size or self._drawn_key is None
        fresh = stale or (not self.state.paused and key != self._drawn_key)
        if fresh:
            started = time.perf_counter()  # real time, whatever clock drives the show
            target = self.renderer.render(self.state, size)
            self.wait_for_gpu()
            self._window_render_s += time.perf_counter() - started
            self._window_renders += 1
            self.renders += 1
            self._drawn_key = key
        showing_previews = self.state.previews and self.previews is not None
        if showing_previews and self._guarded(self.previews.update, self.state, now, self.surface.content_scale):
            self.wait_for_gpu()
        frame = Frame(target, now, self.frames + 1, fresh)
        for output in self.outputs:  # the window last: it presents, with the HUD on top
            self._guarded(output.frame, frame, name=output_name(output))
        self._count_frame(now)

    def _draw_overlays(self, screen, size: tuple[int, int]) -> None:
        """What the window shows over the frame and no other output does: the HUD, the latent previews."""
        if self.state.hud and self.hud is not None:
            errors = self.errors + self._lines(self.error_sources)
            status = self._lines(self.status_sources)
            self.hud.draw(screen, size, self.state, self.timing, errors, self.surface.content_scale, status)
        if self.state.previews and self.previews is not None:
            self._guarded(self.previews.draw, screen, size, self.state, self.surface.content_scale)

    def _count_frame(self, now: float) -> None:
        self.frames += 1
        self._window_frames += 1
        span = now - self._window_start
        if span >= 0.5:
            renders = self._window_renders
            # on a still picture nothing renders: the last render's time stays up, the render rate falls to 0
            render_ms = self._window_render_s / renders * 1000 if renders else self.timing.render_ms
            self.timing = FrameTiming(self._window_frames / span, renders / span, render_ms)
            self._window_start, self._window_frames, self._window_renders, self._window_render_s = now, 0, 0, 0.0

    def run(self, max_frames: int | None = None) -> int:
        """Run until quit, the window closes, or max_frames; returns the number of frames drawn."""
        last = due = self.clock()
        start_frames = self.frames
        first = True
        while self.running and not self.surface.should_close():
            if max_frames is not None and self.frames - start_frames >= max_frames:
                break
            if self.frame_period and not first:  # minimised frames are paced too
                due = self._wait_until(due + self.frame_period)
            first = False
            self.surface.poll_events()
            now = self.clock()
            self.step(now, min(now - last, 0.25))  # a stall (e.g. a recompile) must not fling the latents
            last = now
            self.surface.swap()
            if self.frames == 1:  # the first frame shown: loaded (programs compiled, fonts built), so from
                freeze_startup_heap()  # here on no full GC walks the startup heap mid-show
        return self.frames - start_frames

    def _wait_until(self, due: float) -> float:
        """Sleep (GIL released) until `due`; returns when the next frame's period starts. A frame that ran late
        starts the schedule again from now: no burst of frames to catch up. With vsync the swap has usually
        waited already and this sleeps for nothing."""
        now = self.clock()
        if now >= due:
            return now
        self.sleep(due - now)
        return due
