"""Landmarks, walks and tempo for the live performer, as the app loop wants them:

    show = LiveShow.build(state, latent_dim, bpm=120, clock=lambda: hub.tempo)
    app.inputs.append(show)                 # update(state, now, dt): crossfades and walks
    app.actions.update(show.actions())      # preset, preset_next, walk_play, tap_tempo, ...
    show.status_lines()                     # for the HUD / title: landmark, morph, walk and tempo

(Recording is an output of the app loop: performer/outputs/recorder.py.)

Recalling a landmark stops a playing walk (the VJ chose a place); starting a walk glides into it from
wherever the state is. Every action logs and carries on when something is missing or broken.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import numpy as np

from performer.presets.landmark_edit import append_landmark
from performer.presets.landmarks import (
    DEFAULT_LANDMARKS,
    Landmark,
    LandmarkError,
    find_landmark,
    landmark_from_state,
    load_landmarks,
)
from performer.state import PerformanceState
from performer.walks.morph import Morph
from performer.walks.player import Crossfader, WalkPlayer
from performer.walks.pose import Pose
from performer.walks.schema import WALK_DIR, WalkError, load_walk
from performer.walks.tempo import BeatClock, Tempo

log = logging.getLogger(__name__)
MAX_WALK_FILES = 128  # each within FILE_BOUNDS["walk"]: a folder of walks cannot hold up the start for long


def load_walks(directory: Path, landmarks: list[Landmark], latent_dim: int) -> dict:
    """name -> walk for every *.yaml in directory (sorted, the first MAX_WALK_FILES); a broken file is logged
    and skipped."""
    walks = {}
    paths = sorted(Path(directory).glob("*.yaml"))
    if len(paths) > MAX_WALK_FILES:
        log.error("%s: %d walk files; loading the first %d (the bound)", directory, len(paths), MAX_WALK_FILES)
    for path in paths[:MAX_WALK_FILES]:
        try:
            spec, walk = load_walk(path, landmarks, latent_dim)
        except WalkError as exc:
            log.error("skipping walk: %s", exc)
            continue
        walks[spec.name] = walk
    return walks


class LiveShow:
    def __init__(
        self,
        state: PerformanceState,
        landmarks: list[Landmark],
        walks: dict,
        tempo: Tempo,
        landmarks_path: Path = DEFAULT_LANDMARKS,
        crossfade: float = 1.0,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.state = state
        self.landmarks = list(landmarks)
        self.landmarks_path = Path(landmarks_path)
        self.tempo = tempo
        self.player = WalkPlayer(walks, tempo)
        self.fader = Crossfader()
        self.morph = Morph(self.landmarks, on_move=self._morph_moved)
        self.crossfade = crossfade
        self.clock = clock
        self.index = -1  # the landmark last recalled
        self._shown: tuple[Landmark, int, Pose] | None = None  # the landmark the HUD names, while it is recalled

    @classmethod
    def build(
        cls,
        state: PerformanceState,
        latent_dim: int,
        landmarks_path: Path = DEFAULT_LANDMARKS,
        walk_dir: Path = WALK_DIR,
        bpm: float = 120.0,
        clock_bpm: Callable[[], float | None] | None = None,
        crossfade: float = 1.0,
        beat_clock: BeatClock | None = None,
    ) -> LiveShow:
        try:
            landmarks = load_landmarks(landmarks_path, latent_dim) if Path(landmarks_path).exists() else []
        except LandmarkError as exc:
            log.error("no landmarks: %s", exc)
            landmarks = []
        walks = load_walks(walk_dir, landmarks, latent_dim)
        log.info("%d landmark(s), %d walk(s): %s", len(landmarks), len(walks), ", ".join(walks))
        tempo = Tempo(bpm, clock_bpm, beat_clock)
        return cls(state, landmarks, walks, tempo, Path(landmarks_path), crossfade)

    # ---- input ------------------------------------------------------------------------------------------
    def update(self, state: PerformanceState, now: float, dt: float) -> None:
        self.morph.update(state, now, dt)
        self.fader.update(state, now, dt)
        self.player.update(state, now, dt)

    def _morph_moved(self) -> None:
        self.player.stop()
        self.fader.cancel()

    # ---- actions ----------------------------------------------------------------------------------------
    def actions(self) -> dict[str, Callable]:
        player = self.player
        return {
            "preset": self.recall,
            "preset_next": lambda: self.step(1),
            "preset_prev": lambda: self.step(-1),
            "preset_save": self.save,
            "walk_play": player.play,
            "walk_stop": player.stop,
            "walk_toggle": player.toggle,
            "walk_next": lambda: player.step(1),
            "walk_prev": lambda: player.step(-1),
            "walk": self.play_walk,
            "tap_tempo": lambda: self.tempo.tap(self.clock()),
        }

    def recall(self, key: str | int, seconds: float | None = None) -> Landmark | None:
        """Go to a landmark by name or index over `seconds` (default: the show's crossfade; 0 cuts)."""
        try:
            landmark = find_landmark(self.landmarks, key)
        except KeyError as exc:
            log.warning("%s", exc.args[0])
            return None
        self.player.stop()
        self.index = self.landmarks.index(landmark)
        pose = landmark.pose()
        self.fader.recall(pose, self.crossfade if seconds is None else seconds)
        self._shown = (landmark, self.index, pose)
        log.info("landmark %d: %s", self.index, landmark.name)
        return landmark

    def step(self, delta: int) -> None:
        if self.landmarks:
            self.recall((self.index + delta) % len(self.landmarks))

    def save(self, name: str | None = None) -> Landmark | None:
        """Save the current state as a new landmark, appended to the file (nothing there is lost)."""
        name = name or datetime.now().strftime("saved %H:%M:%S")
        try:
            saved = append_landmark(self.landmarks_path, landmark_from_state(self.state, name, "saved live"))
        except (LandmarkError, OSError) as exc:
            log.error("landmark not saved: %s", exc)
            return None
        self.landmarks.append(saved)
        self.index = len(self.landmarks) - 1
        self._shown = (saved, self.index, saved.pose())
        return saved

    def reload_landmarks(self, renamed: tuple[str, str] | None = None) -> bool:
        """Re-read the landmarks file after an edit (the operator's Landmarks panel). The list changes in
        place (the morph holds it); the landmark last recalled keeps its place by name, `renamed` (old, new)
        followed, or -1 when it is gone. A file that does not load leaves the list as it was."""
        try:
            landmarks = load_landmarks(self.landmarks_path, self.state.latent_dim)
        except LandmarkError as exc:
            log.error("landmarks not reloaded: %s", exc)
            return False
        names = [landmark.name for landmark in landmarks]

        def place(landmark: Landmark) -> int:
            name = renamed[1] if renamed and landmark.name == renamed[0] else landmark.name
            return names.index(name) if name in names else -1

        recalled = place(self.landmarks[self.index]) if 0 <= self.index < len(self.landmarks) else -1
        if self._shown is not None:
            where = place(self._shown[0])
            self._shown = (landmarks[where], where, self._shown[2]) if where >= 0 else None
        self.landmarks[:] = landmarks
        self.index = recalled
        return True

    def play_walk(self, name: str) -> None:
        try:
            self.player.play(name)
        except KeyError as exc:
            log.warning("%s", exc.args[0])

    # ---- status -----------------------------------------------------------------------------------------
    def landmark_line(self) -> str | None:
        """'landmark boot (3/15)' while the last recalled (or saved) landmark is on screen: during its
        crossfade, and after it for as long as the latents stay where it put them."""
        if self._shown is None:
            return None
        landmark, index, pose = self._shown
        where = f"landmark {landmark.name} ({index + 1}/{len(self.landmarks)})"
        if self.fader.target is pose:
            return where + " fading in"
        if np.allclose(self.state.z, pose.z, atol=1e-3):  # a saved landmark holds z to 4 decimals
            return where
        self._shown = None  # moved away (a fader, a walk, the morph): it is no longer this landmark
        return None

    def status_lines(self) -> list[str]:
        lines = [line] if (line := self.landmark_line()) else []
        if line := self.morph.status_line(self.state):
            lines.append(line)
        status = self.player.status()
        if status.playing:
            lines.append(status.line())
        return lines
