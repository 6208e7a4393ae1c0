"""Walk playback and landmark recall onto the live state, as app-loop inputs: update(state, now, dt).

Walk and hands combine: each frame the player sees how far someone else (a fader, a key, OSC) moved z and
the parameters it drives since its own last write, adds that to a running manual offset, and writes
walk + offset. So a fader nudges the walk's path instead of fighting it every frame. The offset can glide
back to zero (`offset_decay` seconds) or stay until the walk restarts.

Under a beat clock (an Ableton Link session, --link) a beats walk counts the session's beats instead of its
own: it starts at the session's place in the bar (walk beat 0 on a downbeat) and moves as far as the session's
beat moved each frame, so it follows another peer's tempo change and stays in phase with it.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np

from performer.state import PerformanceState
from performer.walks.pose import Pose, apply_pose
from performer.walks.tempo import Tempo, seconds_to_beats

log = logging.getLogger(__name__)

# walk-driven parameters a hand may offset; palette and print slots are discrete
CONTINUOUS = ("zoom", "print_mix", "print_opacity", "print_scale")


def smoothstep(u: float) -> float:
    u = min(max(u, 0.0), 1.0)
    return u * u * (3 - 2 * u)


def advance(position: float, dt: float, unit: str, bpm: float) -> float:
    """Position after dt seconds: seconds as they are, beats at the current tempo (so a tempo change
    bends the speed from now on without jumping)."""
    return position + (seconds_to_beats(dt, bpm) if unit == "beats" else dt)


@dataclass
class WalkStatus:
    name: str | None
    playing: bool
    position: float
    duration: float
    unit: str
    bpm: float
    tempo_source: str

    def line(self) -> str:
        if self.name is None:
            return "walk: none"
        total = "" if math.isinf(self.duration) else f"/{self.duration:.1f}"
        state = "playing" if self.playing else "stopped"
        return (
            f"walk {self.name}: {state} {self.position:.1f}{total} {self.unit} "
            f"@ {self.bpm:.1f} BPM ({self.tempo_source})"
        )


class WalkPlayer:
    def __init__(self, walks: dict, tempo: Tempo | None = None, blend: float = 1.0, offset_decay: float = 0.0) -> None:
        self.walks = dict(walks)
        self.names = list(self.walks)
        self.tempo = tempo or Tempo()
        self.blend = blend  # seconds to glide from wherever the state is into the walk
        self.offset_decay = offset_decay
        self.current: str | None = self.names[0] if self.names else None
        self.playing = False
        self.position = 0.0
        self._started = 0.0
        self._from: Pose | None = None
        self._z_offset: np.ndarray | None = None
        self._param_offset: dict[str, float] = {}
        self._written: tuple[np.ndarray, dict[str, float]] | None = None
        self._palette: float | None = None
        self._last_beat: float | None = None  # the beat clock's beat at the last frame, under a beat clock

    # ---- control (actions) ------------------------------------------------------------------------------
    def play(self, name: str | None = None, restart: bool = True) -> None:
        if name is not None:
            if name not in self.walks:
                raise KeyError(f"no walk named {name!r}; known: {', '.join(self.names)}")
            self.current = name
        if self.current is None:
            log.warning("no walks loaded")
            return
        if restart or not self.playing:
            self.position = 0.0
            self._from = None  # taken from the state on the next update, then blended away
            self._z_offset, self._param_offset, self._written, self._palette = None, {}, None, None
        self._last_beat = None
        self.playing = True
        log.info("walk %s playing", self.current)

    def stop(self) -> None:
        if self.playing:
            log.info("walk %s stopped at %.2f", self.current, self.position)
        self.playing = False
        self._last_beat = None  # a resumed walk does not jump over the beats it was stopped for

    def toggle(self) -> None:
        self.stop() if self.playing else self.play(restart=False)

    def step(self, delta: int) -> None:
        """Switch to the next / previous walk; keeps playing if it was."""
        if not self.names:
            return
        index = self.names.index(self.current) if self.current in self.names else -1
        self.current = self.names[(index + delta) % len(self.names)]
        if self.playing:
            self.play()
        else:
            log.info("walk %s selected", self.current)

    @property
    def walk(self):
        return self.walks.get(self.current) if self.current else None

    def status(self) -> WalkStatus:
        walk = self.walk
        return WalkStatus(
            self.current,
            self.playing,
            self.position,
            getattr(walk, "duration", 0.0),
            getattr(walk, "unit", "seconds"),
            self.tempo.bpm,
            self.tempo.source,
        )

    # ---- the frame --------------------------------------------------------------------------------------
    def update(self, state: PerformanceState, now: float, dt: float) -> None:
        walk = self.walk
        if not self.playing or walk is None:
            return
        beat = self.tempo.beat() if walk.unit == "beats" else None
        if self._from is None:
            self._from = Pose(state.z.astype(np.float64), {k: state.params[k] for k in state.params})
            self._started = now
            if beat is not None and walk.duration > 0:  # the session's place in its bar
                self.position = (beat % self.tempo.quantum) % walk.duration
        elif beat is not None and self._last_beat is not None:
            # the session's beats (joining a session may move them back a little, to its phase; a loop wraps)
            moved = self.position + beat - self._last_beat
            self.position = moved if walk.loop else max(0.0, moved)
        else:
            self.position = advance(self.position, dt, walk.unit, self.tempo.bpm)
        self._last_beat = beat
        if not walk.loop and self.position >= walk.duration:
            self.position = walk.duration
            self.playing = False
            log.info("walk %s finished", self.current)
        elif walk.loop and walk.duration > 0:
            self.position %= walk.duration
        self._take_manual(state, dt)
        target = walk.sample(self.position)
        z = target.z + self._z_offset
        params = {k: v + self._param_offset.get(k, 0.0) for k, v in target.params.items() if k in state.params}
        weight = smoothstep((now - self._started) / self.blend) if self.blend > 0 else 1.0
        if weight < 1.0:
            z = self._from.z + (z - self._from.z) * weight
            for k in CONTINUOUS:
                if k in params:
                    params[k] = self._from.params[k] + (params[k] - self._from.params[k]) * weight
        palette = params.pop("palette", None)
        if palette is not None and palette != self._palette:  # only at changes: a hand may pick another
            state.set("palette", palette)
            self._palette = palette
        apply_pose(state, Pose(z, params))
        self._written = (state.z.astype(np.float64), {k: state.params[k] for k in params})

    def _take_manual(self, state: PerformanceState, dt: float) -> None:
        if self._z_offset is None:
            self._z_offset = np.zeros(state.latent_dim)
        if self._written is not None:
            z_written, params_written = self._written
            self._z_offset += state.z.astype(np.float64) - z_written
            for k, v in params_written.items():
                self._param_offset[k] = self._param_offset.get(k, 0.0) + state.params[k] - v
        if self.offset_decay > 0 and dt > 0:
            keep = math.exp(-dt / self.offset_decay)
            self._z_offset *= keep
            self._param_offset = {k: v * keep for k, v in self._param_offset.items()}


class Crossfader:
    """Recall a pose over `seconds` (0 = cut at the next frame): z and continuous parameters glide with
    an ease in/out, the palette changes half way."""

    def __init__(self) -> None:
        self.target: Pose | None = None
        self.seconds = 0.0
        self._from: Pose | None = None
        self._started: float | None = None

    @property
    def active(self) -> bool:
        return self.target is not None

    def cancel(self) -> None:
        """Stop a recall where it is (another control took over)."""
        self.target = None

    def recall(self, pose: Pose, seconds: float = 0.0) -> None:
        if not (seconds >= 0 and math.isfinite(seconds)):
            raise ValueError(f"crossfade time must be >= 0 seconds, got {seconds}")
        self.target, self.seconds, self._from, self._started = pose, float(seconds), None, None

    def update(self, state: PerformanceState, now: float, dt: float) -> None:
        if self.target is None:
            return
        if self._from is None:
            self._from = Pose(state.z.astype(np.float64), dict(state.params))
            self._started = now
        u = smoothstep((now - self._started) / self.seconds) if self.seconds > 0 else 1.0
        z = self._from.z + (self.target.z - self._from.z) * u
        params = {}
        for k, v in self.target.params.items():
            if k not in state.params:
                continue
            start = self._from.params[k]
            if k == "palette":
                params[k] = v if u >= 0.5 else start
            elif k == "zoom" and start > 0 and v > 0:
                params[k] = math.exp(math.log(start) + (math.log(v) - math.log(start)) * u)
            else:
                params[k] = start + (v - start) * u
        apply_pose(state, Pose(z, params))
        if u >= 1.0:
            self.target = None
