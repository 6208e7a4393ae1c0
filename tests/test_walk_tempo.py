"""Tempo: beats and seconds, tap tempo, MIDI clock at 24 ppqn, and a walk's beats following the tempo."""

from __future__ import annotations

import numpy as np
import pytest

from performer.state import PerformanceState
from performer.walks.keyframes import Keyframe, KeyframeWalk
from performer.walks.player import WalkPlayer, advance
from performer.walks.pose import Pose
from performer.walks.tempo import TapTempo, Tempo, TempoTracker, beats_to_seconds, check_bpm, seconds_to_beats


@pytest.mark.parametrize(
    ("bpm", "beats", "seconds"), [(120, 4, 2.0), (90, 4, 8 / 3), (174, 16, 16 * 60 / 174), (60, 1, 1.0)]
)
def test_beats_to_seconds(bpm, beats, seconds):
    assert beats_to_seconds(beats, bpm) == pytest.approx(seconds)
    assert seconds_to_beats(seconds, bpm) == pytest.approx(beats)


def test_check_bpm_names_the_range():
    with pytest.raises(ValueError, match="20..300"):
        check_bpm(400)
    with pytest.raises(ValueError, match="20..300"):
        check_bpm("fast")


def test_tap_tempo():
    tap = TapTempo()
    for i in range(4):
        bpm = tap.tap(10.0 + 0.5 * i)
    assert bpm == pytest.approx(120.0)
    tap.tap(10.0 + 1.5 + 0.01)  # a double press (10 ms) is ignored
    assert tap.bpm == pytest.approx(120.0)
    for i in range(3):  # after a long pause, a new count
        tap.tap(30.0 + 0.75 * i)
    assert tap.bpm == pytest.approx(80.0)


@pytest.mark.parametrize("bpm", [90.0, 128.0, 174.0])
def test_midi_clock_gives_the_bpm(bpm):
    tracker = TempoTracker()
    tempo = Tempo(100.0, clock=lambda: tracker.bpm)
    assert tempo.bpm == 100.0 and tempo.source == "config"
    interval = 60.0 / (bpm * 24)  # 24 pulses per quarter note
    for i in range(48):
        tracker.tick(5.0 + i * interval)
    assert tempo.bpm == pytest.approx(bpm, rel=1e-9)
    assert tempo.source == "midi clock"


def test_clock_wins_over_tap_and_tap_over_config():
    clock = {"bpm": None}
    tempo = Tempo(100.0, clock=lambda: clock["bpm"])
    tempo.tap(0.0)
    tempo.tap(0.4)
    assert tempo.bpm == pytest.approx(150.0) and tempo.source == "tap"
    clock["bpm"] = 133.0
    assert tempo.bpm == 133.0


def test_beats_walk_follows_a_tempo_change():
    assert advance(0.0, 1.0, "beats", 120.0) == 2.0
    assert advance(0.0, 1.0, "seconds", 120.0) == 1.0
    a, b = np.zeros(8), np.full(8, 1.0)
    walk = KeyframeWalk([Keyframe(Pose(a), 8.0), Keyframe(Pose(b), 8.0)], "linear", loop=True, unit="beats")
    tempo = Tempo(120.0)
    player = WalkPlayer({"w": walk}, tempo, blend=0.0)
    state = PerformanceState()
    player.play("w")
    player.update(state, 0.0, 0.0)
    for i in range(10):  # 1 s at 120 BPM = 2 beats
        player.update(state, 0.1 * (i + 1), 0.1)
    assert player.position == pytest.approx(2.0)
    tempo.tap(0.0)
    tempo.tap(1.0)  # 60 BPM
    for i in range(10):
        player.update(state, 1.1 + 0.1 * i, 0.1)
    assert player.position == pytest.approx(3.0)
    assert state.z[0] == pytest.approx(3.0 / 8.0, abs=1e-6)
