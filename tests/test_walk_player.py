"""Walk playback with manual offsets, crossfaded recall, walk files and the live show's actions."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from performer.presets.landmarks import Landmark, load_landmarks, save_landmarks
from performer.state import PerformanceState
from performer.walks.keyframes import Keyframe, KeyframeWalk
from performer.walks.live import LiveShow, load_walks
from performer.walks.player import Crossfader, WalkPlayer
from performer.walks.pose import Pose
from performer.walks.schema import WALK_DIR, WalkError, load_walk, parse_walk
from performer.walks.tempo import Tempo


def ramp_walk() -> KeyframeWalk:
    """z[0] goes 0 -> 4 s -> 2 linearly... z[0] = t / 2 for t in 0..4 (seconds), looped back."""
    return KeyframeWalk(
        [Keyframe(Pose(np.zeros(8)), 4.0), Keyframe(Pose(np.r_[2.0, np.zeros(7)]), 4.0)], "linear", loop=True
    )


def test_manual_offset_rides_on_the_walk():
    state = PerformanceState()
    player = WalkPlayer({"ramp": ramp_walk()}, blend=0.0)
    player.play("ramp")
    player.update(state, 0.0, 0.0)
    player.update(state, 1.0, 1.0)
    assert state.z[0] == pytest.approx(0.5)
    state.set_latent(0, 1.5)  # a fader pushes latent 1 up by 1.0
    state.set_latent(3, -1.0)  # and latent 4 down
    player.update(state, 2.0, 1.0)
    assert state.z[0] == pytest.approx(1.0 + 1.0)  # walk at t=2 is 1.0, plus the hand's 1.0
    assert state.z[3] == pytest.approx(-1.0)
    player.update(state, 3.0, 1.0)
    assert state.z[0] == pytest.approx(1.5 + 1.0)  # the offset stays while the walk moves on


def test_offsets_decay_when_asked():
    state = PerformanceState()
    player = WalkPlayer({"ramp": ramp_walk()}, blend=0.0, offset_decay=0.5)
    player.play("ramp")
    player.update(state, 0.0, 0.0)
    state.set_latent(3, 1.0)
    player.update(state, 0.5, 0.5)
    assert state.z[3] == pytest.approx(np.exp(-1.0), rel=1e-5)


def test_play_glides_in_from_the_current_state():
    state = PerformanceState()
    state.set_latent(1, 3.0)
    player = WalkPlayer({"ramp": ramp_walk()}, blend=1.0)
    player.play()
    player.update(state, 10.0, 0.0)
    assert state.z[1] == pytest.approx(3.0)
    player.update(state, 10.5, 0.5)
    assert state.z[1] == pytest.approx(1.5)  # smoothstep(0.5) = 0.5 of the way to the walk's 0
    player.update(state, 11.0, 0.5)
    assert state.z[1] == pytest.approx(0.0)


def test_open_walk_stops_at_its_end():
    walk = KeyframeWalk([Keyframe(Pose(np.zeros(8)), 1.0), Keyframe(Pose(np.ones(8)), 1.0)], "linear")
    state = PerformanceState()
    player = WalkPlayer({"w": walk}, blend=0.0)
    player.play()
    player.update(state, 0.0, 0.0)
    player.update(state, 2.0, 2.0)
    assert not player.playing and np.allclose(state.z, 1.0)


def test_crossfade_and_cut():
    state = PerformanceState()
    fader = Crossfader()
    fader.recall(Pose(np.full(8, 2.0), {"zoom": 4.0, "palette": 3.0}), seconds=2.0)
    fader.update(state, 5.0, 0.0)
    assert np.allclose(state.z, 0.0) and state.get("zoom") == 1.0
    fader.update(state, 6.0, 1.0)
    assert np.allclose(state.z, 1.0)  # half way at half time (smoothstep is symmetric)
    assert state.get("zoom") == pytest.approx(2.0)  # geometric half way from 1 to 4
    assert state.get("palette") == 3.0
    fader.update(state, 7.0, 1.0)
    assert np.allclose(state.z, 2.0) and not fader.active
    fader.recall(Pose(np.full(8, -1.0)), seconds=0.0)
    fader.update(state, 7.1, 0.1)
    assert np.allclose(state.z, -1.0)


def test_walk_file_errors_name_file_and_key(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump({"kind": "noise", "radius": 1.0, "speed": 2}))
    with pytest.raises(WalkError, match=r"bad.yaml: speed: Extra inputs are not permitted"):
        parse_walk(path)
    path.write_text(yaml.safe_dump({"kind": "keyframes", "keyframes": [{"z": [0] * 8, "duration": -1}]}))
    with pytest.raises(WalkError, match=r"bad.yaml: keyframes\[0\].duration"):
        parse_walk(path)
    path.write_text(yaml.safe_dump({"kind": "orbit", "center": {"landmark": "nowhere"}, "latents": [1, 2]}))
    with pytest.raises(WalkError, match="no landmark named 'nowhere'"):
        load_walk(path, [Landmark("dress", (0.0,) * 8)])
    path.write_text(yaml.safe_dump({"kind": "spiral"}))
    with pytest.raises(WalkError, match="bad.yaml: kind"):
        parse_walk(path)


def test_shipped_walks_load():
    landmarks = load_landmarks()
    walks = load_walks(WALK_DIR, landmarks, 8)
    assert {"tour", "noise", "orbit", "groove"} <= set(walks)
    assert walks["groove"].unit == "beats" and walks["groove"].loop
    tour = walks["tour"]
    assert len(tour.keyframes) == 2 * len(landmarks)
    assert np.allclose(tour.sample(0.0).z, landmarks[0].z)


def test_live_show_actions(tmp_path):
    path = tmp_path / "landmarks.yaml"
    marks = [Landmark("a", (1.0,) * 8, "neon", 2.0), Landmark("b", (-1.0,) * 8)]
    save_landmarks(path, marks)
    state = PerformanceState()
    show = LiveShow(
        state, marks, {"ramp": ramp_walk()}, Tempo(120.0), landmarks_path=path, crossfade=0.0, clock=lambda: 0.0
    )
    actions = show.actions()
    actions["walk_play"]()
    show.update(state, 0.0, 0.0)
    actions["preset"]("b")  # a recall stops the walk
    assert not show.player.playing
    show.update(state, 0.1, 0.1)
    assert np.allclose(state.z, -1.0)
    actions["preset_next"]()  # wraps to "a"
    show.update(state, 0.2, 0.1)
    assert np.allclose(state.z, 1.0) and state.palette_name == "neon" and state.get("zoom") == 2.0
    state.set_latent(0, 0.25)
    saved = actions["preset_save"]()
    names = [lm.name for lm in load_landmarks(path)]
    assert names == ["a", "b", saved.name]
    assert load_landmarks(path)[2].z[0] == 0.25
