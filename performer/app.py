"""The render loop: inputs update the state, the renderer draws it offscreen (only when it changed), hooks
see the frame, the surface shows it; run() shows at most `fps` frames a second and sleeps in between, so
a still show costs next to nothing. Later issues plug in here without touching the loop:

- `inputs`: objects with update(state, now, dt), called once per frame before drawing (keyboard here;
  OSC, MIDI, joysticks, walks later). They trigger named actions with app.trigger(name).
- `actions`: name -> callable ("random", "snapshot", "pause", "quit", "fullscreen", "hud", ...).
- `frame_hooks`: called with (OffscreenTarget, now) after each frame is drawn, without the HUD
  (a video recorder reads the frame here).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Protocol

import numpy as np

from performer.blackout import Blackout
from performer.keyboard import KeyboardInput
from performer.model.garments import garment_jumps
from performer.render.context import gil_free_finish
from performer.render.cppn_renderer import CppnRenderer
from performer.render.hotreload import ShaderReloader
from performer.render.hud import FrameTiming, Hud
from performer.render.previews import LatentPreviews
from performer.render.target import OffscreenTarget
from performer.safe_files import WriteError, atomic_write_bytes
from performer.state import LATENT_LIMIT, PerformanceState

log = logging.getLogger(__name__)
LOG_FAILURE_EVERY = 600  # a part failing every frame logs about once every 10 s at 60 fps


class Input(Protocol):
    def update(self, state: PerformanceState, now: float, dt: float) -> None: ...


FrameHook = Callable[[OffscreenTarget, float], None]

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
        self.garments: np.ndarray | None = None  # [N, L] where R lands (CppnWeights.garments)
        self.snapshot_dir = Path(snapshot_dir)
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
        self.frame_hooks: list[FrameHook] = []
        # callables returning lines for the HUD: status (walk, recording, controllers) and errors (shown in red
        # with the shader's, e.g. a broken mapping file)
        self.status_sources: list[Callable[[], list[str]]] = []
        self.error_sources: list[Callable[[], list[str]]] = []
        self.actions: dict[str, Callable[[], None]] = {
            "quit": self.quit,
            "pause": self.toggle_pause,
            "random": self.randomise,
            "hyperspace": self.hyperspace,
            "blackout": lambda: self.blackout.toggle(self.state),
            "snapshot": self.snapshot,
            "hud": self.toggle_hud,
            "previews": self.toggle_previews,
            "fullscreen": surface.toggle_fullscreen,
        }
        self.frames = 0
        self.renders = 0
        self.timing = FrameTiming()  # for the HUD: presents and renders a second, render time
        self._window_start, self._window_frames, self._window_renders, self._window_render_s = clock(), 0, 0, 0.0
        self._drawn_key: tuple | None = None
        self.last_snapshot: Path | None = None
        self._shown_errors: list[str] = []
        self.failures: dict[str, tuple[int, str]] = {}  # part name -> (times failed, latest message)

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
        """R: a random garment. With the model's garment latents (real garments' posterior means), one of
        them moved by a little noise, so the jump shows a garment; without them, a hyperspace jump."""
        if self.garments is None or len(self.garments) == 0:
            self.hyperspace()
            return
        self.state.set_z(garment_jumps(self.garments, self.rng, 1)[0])

    def hyperspace(self) -> None:
        """Shift+R: anywhere the prior N(0, I) reaches, garment or not (the Explorer's hyperspace jump)."""
        z = np.clip(self.rng.standard_normal(self.state.latent_dim), -LATENT_LIMIT, LATENT_LIMIT)
        self.state.set_z(z)

    def snapshot(self) -> Path | None:
        """Save the current frame (without the HUD) as a PNG in snapshot_dir."""
        import imageio.v3 as iio

        if self.renderer.target.framebuffer is None:
            return None
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        path = self.snapshot_dir / f"performer-{stamp}-{self.frames:06d}.png"
        try:  # encoded in memory, then written atomically: a full disk leaves no 0-byte PNG behind
            atomic_write_bytes(path, iio.imwrite("<bytes>", self.renderer.target.read_rgb(), extension=".png"),
                               "snapshot")  # fmt: skip
        except WriteError as exc:
            log.error("%s", exc)
            self.failures["snapshot"] = (self.failures.get("snapshot", (0, ""))[0] + 1, exc.reason)  # in the HUD
            return None
        log.info("snapshot saved to %s", path)
        self.last_snapshot = path
        return path

    # the loop ------------------------------------------------------------------------------------------
    @property
    def shader_errors(self) -> list[str]:
        return [str(error) for error in self.reloader.errors] if self.reloader else []

    @property
    def errors(self) -> list[str]:
        return self.shader_errors + [f"{name} failed {count}x: {message} (the show goes on; see the log)"
                         for name, (count, message) in self.failures.items()]  # fmt: skip

    def _guarded(self, function: Callable, *args):
        """Call one part of the frame (an input, a hook, a HUD source). An exception there is a bug in that
        part, not a reason to stop the show: it is logged (the first time with its traceback, then every
        LOG_FAILURE_EVERY times), counted, shown in the HUD, and the frame goes on without it."""
        try:
            return function(*args)
        except Exception as exc:
            name = getattr(function, "__qualname__", type(function).__name__)  # LiveShow.update, LiveRecorder
            count = self.failures.get(name, (0, ""))[0] + 1
            self.failures[name] = (count, f"{type(exc).__name__}: {exc}"[:80])
            if count == 1:
                log.exception("%s failed; the frame goes on without it", name)
            elif count % LOG_FAILURE_EVERY == 0:
                log.error("%s failed %d times (latest: %s)", name, count, exc)
            return None

    def _lines(self, sources: list[Callable[[], list[str]]]) -> list[str]:
        return [line for source in sources for line in self._guarded(source) or []]

    def step(self, now: float, dt: float) -> None:
        """One frame: inputs, hot reload, draw (only when something changed), hooks, show."""
        for source in self.inputs:
            self._guarded(source.update, self.state, now, dt)
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
        key = (self.state.version, size, self.renderer.program.generation)
        stale = target.size != size or self._drawn_key is None
        if stale or (not self.state.paused and key != self._drawn_key):
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
        for hook in self.frame_hooks:
            self._guarded(hook, target, now)
        self.ctx.copy_framebuffer(self.surface.screen, target.framebuffer)
        if self.state.hud and self.hud is not None:
            errors = self.errors + self._lines(self.error_sources)
            status = self._lines(self.status_sources)
            self.hud.draw(self.surface.screen, size, self.state, self.timing, errors, self.surface.content_scale,
                          status)
        if showing_previews:
            self._guarded(self.previews.draw, self.surface.screen, size, self.state, self.surface.content_scale)
        self._count_frame(now)

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
