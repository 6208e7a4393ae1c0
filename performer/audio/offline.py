"""A song driving an offline render (`performer render WALK --audio SONG`), frame-exact and repeatable.

The song is analysed the way live input is (features.py, causally, frame k on the samples up to
(k + 1) / fps), and the features go through a control hub with the mapping files, as `audio` events at the
frame's time: the same bindings, transforms and envelopes as live, with time taken from the frame number,
never from a clock. Each frame: the walk's pose, then what the mappings write on top of it (a mapped latent
follows the music, the others the walk); an action a mapping fires (every 4th beat -> preset_next) recalls
a landmark over the show's crossfade and, as live, the walk stops there. The mapped targets stay on top of
a crossfade too (live, the show's crossfade writes after the hub and holds them for its second). A walk in
beats moves on the song's beats (the tracker's beat count and phase), at its tempo before the first beat.

Every pose is worked out before the first frame is drawn (`SongDrive.poses`, a few floats a frame), so the
render's frames are a pure function of the frame number, whoever asks for them and in whatever order.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from performer.audio.features import FeatureFrame, analyse
from performer.audio.files import Song, read_song
from performer.controls.events import ControlEvent
from performer.paths import MAPPING_DIR
from performer.state import PerformanceState
from performer.walks.pose import POSE_PARAMS, Pose, apply_pose

log = logging.getLogger(__name__)

DEFAULT_MAPPING = MAPPING_DIR / "audio.yaml"  # the shipped example, wherever render runs from
LANDMARK_ACTIONS = ("preset", "preset_next", "preset_prev")  # what a render can do of the show's actions


class FrameEvents:
    """The hub's "audio" source for a render: the next frame's features on each call, at the frame's time."""

    name = "audio"

    def __init__(self, frames: list[FeatureFrame], device: str) -> None:
        self.frames, self.device, self.next = frames, device, 0
        self.stats: dict[str, int] = {}

    def events(self, now: float) -> list[ControlEvent]:
        if self.next >= len(self.frames):
            return []
        frame = self.frames[self.next]
        self.next += 1
        return [ControlEvent("audio", name, value, None, self.device, now) for name, value in frame.values().items()]

    def close(self) -> None:
        pass

    def status_line(self) -> str | None:
        return None

    def error_lines(self) -> list[str]:
        return []


def beat_positions(frames: list[FeatureFrame], fps: float, bpm: float) -> np.ndarray:
    """Each frame's place in beats: the tracker's beats and phase once it has found the first beat, and
    before it `bpm` from the start, joined so the position never jumps back."""
    first = next((k for k, frame in enumerate(frames) if frame.beats > 0), None)
    seconds = (np.arange(len(frames)) + 1) / fps  # the frames' ends, as the analysis counts them
    positions = seconds * bpm / 60.0
    if first is None:
        return positions
    lead = float(positions[first]) - frames[first].phase  # beats before the first one, at the start tempo
    for k in range(first, len(frames)):
        positions[k] = lead + frames[k].beats - 1 + frames[k].phase
    return np.maximum.accumulate(positions)


@dataclass
class SongDrive:
    """The song, its features per frame and the poses they make (see the module docstring)."""

    song: Song
    frames: list[FeatureFrame]
    fps: float
    poses: list[Pose]

    @property
    def count(self) -> int:
        return len(self.frames)

    @property
    def tempo(self) -> float:
        """The tracker's tempo at the end of the song (0.0: it found none)."""
        return self.frames[-1].tempo if self.frames else 0.0

    @property
    def beats(self) -> int:
        return self.frames[-1].beats if self.frames else 0

    def sample(self, frame: float) -> Pose:
        """The pose of a frame, as walks are sampled: render_frames takes this as its walk, with positions
        0, 1, 2, ... (one per frame)."""
        return self.poses[int(frame)]


def song_poses(
    walk,
    frames: list[FeatureFrame],
    fps: float,
    mapping_paths: list[Path],
    landmarks: list,
    latent_dim: int,
    bpm: float,
    crossfade: float = 1.0,
) -> list[Pose]:
    from performer.controls.hub import ControlHub
    from performer.targets import provide
    from performer.walks.live import LiveShow
    from performer.walks.tempo import Tempo

    state = PerformanceState(latent_dim=latent_dim)
    hub = ControlHub(mapping_paths, latent_dim=latent_dim, osc=False, midi=False, reload_interval=float("inf"))
    hub.sources.put("audio", FrameEvents(frames, "song"))  # the table's audio kind (a sound card) is not opened
    now = 0.0
    show = LiveShow(state, landmarks, {}, Tempo(bpm), crossfade=crossfade, clock=lambda: now)
    show_actions = show.actions()
    provide(hub.actions, {name: show_actions[name] for name in LANDMARK_ACTIONS})
    provide(hub.actions, {"tap_tempo": lambda: None})  # a render's walk is on the song's beats already
    hub.start()
    # what a frame's pose carries: the walk's and landmarks' parameters and what the mappings drive, so the
    # render's own settings (its background) stay as the render set them
    mapped = {binding.target.name for binding in hub.bindings if binding.target.kind == "param"}
    driven = [name for name in state.params if name in mapped or name in POSE_PARAMS]
    if walk.unit == "beats":
        positions = beat_positions(frames, fps, bpm if not frames[-1].tempo else frames[-1].tempo)
    else:
        positions = np.arange(len(frames)) / fps
    poses, dt = [], 1.0 / fps
    try:
        for k, position in enumerate(positions):
            now = k / fps
            if show.index < 0:  # until a landmark is recalled (live, that stops the walk)
                apply_pose(state, walk.sample(float(position)))
            show.fader.update(state, now, dt)  # a recall's crossfade, under what the music drives
            hub.update(state, now, dt)
            poses.append(Pose(state.z.astype(np.float64), {name: state.params[name] for name in driven}))
    finally:
        hub.close()
    problems = {k: v for k, v in hub.stats.items() if k in ("bad_values", "actions_missing", "action_errors")}
    if problems:
        log.warning("render --audio: %s", ", ".join(f"{k} {v}" for k, v in problems.items()))
    return poses


def drive_from_song(
    path: str | Path,
    walk,
    fps: float,
    mapping_paths: list[Path],
    landmarks: list,
    latent_dim: int,
    bpm: float,
) -> SongDrive:
    """Read and analyse the song, and work out every frame's pose. AudioFileError / MappingError in one line."""
    song = read_song(path)
    frames = analyse(song.mono(), song.samplerate, fps)
    poses = song_poses(walk, frames, fps, mapping_paths, landmarks, latent_dim, bpm)
    return SongDrive(song, frames, fps, poses)


def drive_for_render(args, walk, bpm: float, latent_dim: int) -> tuple[SongDrive, np.ndarray]:
    """`render --audio`: (the poses as the walk to render, its positions: one per frame of the song's length).
    ValueError in one line for a song, a mapping or options that do not go together."""
    from performer.presets.landmarks import LandmarkError, load_landmarks

    if args.duration is not None:
        raise ValueError("--duration and --audio: the video lasts as long as the song")
    mappings = list(args.mapping) or [DEFAULT_MAPPING]
    try:
        landmarks = load_landmarks(args.landmarks, latent_dim) if Path(args.landmarks).exists() else []
    except LandmarkError as exc:
        raise ValueError(str(exc)) from None
    drive = drive_from_song(args.audio, walk, args.fps, mappings, landmarks, latent_dim, bpm)
    log.info(
        "%s: %.2f s, %d frames, %.1f BPM, %d beats", drive.song.path.name, drive.song.seconds, drive.count,
        drive.tempo, drive.beats,
    )  # fmt: skip
    return drive, np.arange(drive.count)
