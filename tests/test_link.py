"""Ableton Link (play --link): two peers on this machine, the other one in a process of its own
(performer/sources/link_peer.py), agree on tempo and beat phase; a beats walk follows a tempo change the other
peer makes and keeps its bars on the session's; a tap in performer reaches the other peer. The first tests use a
stand-in beat clock and run without the library; the rest skip when linkpython-extern is not installed."""

from __future__ import annotations

import time

import numpy as np
import pytest
import yaml
from play_args import headless_play_args

from performer.sources import ableton_link
from performer.sources.ableton_link import LinkClock, load_link_module
from performer.state import PerformanceState
from performer.walks.keyframes import Keyframe, KeyframeWalk
from performer.walks.live import LiveShow
from performer.walks.player import WalkPlayer
from performer.walks.pose import Pose
from performer.walks.tempo import Tempo

needs_link = pytest.mark.skipif(
    load_link_module() is None, reason="linkpython-extern is not installed (pip install -e '.[link]')"
)


class StandInBeatClock:
    quantum = 4.0

    def __init__(self, bpm: float | None = 128.0, beat: float = 0.0) -> None:
        self.bpm, self.now_beat, self.tempi_set = bpm, beat, []

    def beat(self) -> float | None:
        return self.now_beat if self.bpm is not None else None

    def set_tempo(self, bpm: float) -> None:
        self.tempi_set.append(bpm)


def beats_walk(beats: float = 64.0, loop: bool = True) -> KeyframeWalk:
    keyframes = [Keyframe(Pose(np.zeros(8)), beats / 2), Keyframe(Pose(np.ones(8)), beats / 2)]
    return KeyframeWalk(keyframes, "linear", loop=loop, unit="beats")


def test_tempo_takes_midi_clock_then_link_then_tap_then_config():
    midi = {"bpm": None}
    link = StandInBeatClock(bpm=128.0, beat=9.5)
    tempo = Tempo(100.0, clock=lambda: midi["bpm"], beat_clock=link)
    assert (tempo.bpm, tempo.source, tempo.beat()) == (128.0, "link", 9.5)
    midi["bpm"] = 133.0  # a running MIDI clock wins, and the walks count their own beats again
    assert (tempo.bpm, tempo.source, tempo.beat()) == (133.0, "midi clock", None)
    midi["bpm"], link.bpm = None, 500.0  # a session tempo outside 20..300 is not followed
    assert (tempo.bpm, tempo.source, tempo.beat()) == (100.0, "config", None)
    link.bpm = None  # no session (the library is missing): tap, then config, as without --link
    tempo.tap(0.0)
    tempo.tap(0.5)
    assert (tempo.bpm, tempo.source) == (pytest.approx(120.0), "tap")


def test_tap_tempo_sets_the_session_tempo_once_a_tap_counts():
    link = StandInBeatClock()
    tempo = Tempo(100.0, beat_clock=link)
    tempo.tap(10.0)
    assert link.tempi_set == []  # one tap is no tempo yet
    tempo.tap(10.4)
    tempo.tap(10.41)  # a double press (10 ms) does not count
    tempo.tap(10.8)
    assert link.tempi_set == [pytest.approx(150.0), pytest.approx(150.0)]


def test_a_beats_walk_counts_the_beat_clocks_beats_from_its_place_in_the_bar():
    link = StandInBeatClock(bpm=128.0, beat=9.5)
    player = WalkPlayer({"w": beats_walk(16.0)}, Tempo(100.0, beat_clock=link), blend=0.0)
    state = PerformanceState()
    player.play("w")
    player.update(state, 0.0, 0.0)
    assert player.position == pytest.approx(1.5)  # beat 9.5 is beat 1.5 of its bar: the walk starts there
    link.now_beat = 10.25
    player.update(state, 1.0, 1.0)  # the session moved 0.75 beats; a second at 128 BPM would be 2.13
    assert player.position == pytest.approx(2.25)
    link.now_beat = 9.95  # joining a session moved the beat back to its phase: the walk follows
    player.update(state, 1.1, 0.1)
    assert player.position == pytest.approx(1.95)
    link.now_beat = 9.95 + 15.0  # past the end of the 16-beat loop: it wraps and stays on the bar
    player.update(state, 1.2, 0.1)
    assert player.position == pytest.approx(0.95)
    player.stop()
    link.now_beat = 40.0
    player.play(restart=False)
    player.update(state, 5.0, 0.1)
    assert player.position == pytest.approx(0.0)  # a downbeat again: walk beat 0


def test_without_the_library_link_is_one_error_line_and_the_walks_go_on(monkeypatch):
    monkeypatch.setattr(ableton_link, "load_link_module", lambda: None)
    clock = LinkClock(120.0)
    assert clock.error_lines() == [
        "link: linkpython-extern is not installed (pip install -e '.[link]'); tempo from tap or --bpm"
    ]
    assert (clock.bpm, clock.beat(), clock.peers, clock.status_line(), list(clock.events(0.0))) == (
        None,
        None,
        0,
        None,
        [],
    )
    clock.set_tempo(150.0)
    clock.close()
    tempo = Tempo(100.0, beat_clock=clock)
    assert (tempo.bpm, tempo.source) == (100.0, "config")


def test_a_link_that_cannot_start_is_one_error_line():
    class Broken:
        class Link:
            def __init__(self, bpm):
                raise OSError("no network")

    clock = LinkClock(120.0, module=Broken)
    assert clock.error_lines() == ["link: cannot join a session (OSError: no network)"]
    assert not clock.joined


# ---- two real peers -----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def peer():
    from performer.sources.link_peer import LinkPeer

    other = LinkPeer(100.0)
    yield other
    other.close()


@pytest.fixture
def clock(peer):
    ours = LinkClock(120.0)
    assert peer.ask("wait", peers=1, timeout=10.0)["peers"] >= 1, "the other peer never saw performer"
    wait_until(lambda: ours.peers >= 1, "performer never saw the other peer")
    yield ours
    ours.close()


def wait_until(condition, what: str, timeout: float = 5.0, step=None) -> float:
    """Seconds until `condition()` held (calling `step()` meanwhile, e.g. frames); fails with `what` at the
    timeout."""
    start = time.perf_counter()
    while not condition():
        assert time.perf_counter() - start < timeout, what
        (step or (lambda: time.sleep(0.001)))()
    return time.perf_counter() - start


def circular_beats(a: float, b: float, quantum: float = 4.0) -> float:
    return (a - b + quantum / 2) % quantum - quantum / 2


@needs_link
def test_two_peers_on_loopback_agree_on_tempo_and_beat_phase(peer, clock):
    time.sleep(0.3)  # settled: Link has measured the other process's clock
    tempo_gaps, phase_gaps_ms = [], []
    for _ in range(20):
        theirs = peer.ask("report")  # its beat at its own clock's time...
        ours = clock.beat(theirs["micros"])  # ...and ours at that same host time
        tempo_gaps.append(abs(theirs["tempo"] - clock.bpm))
        phase_gaps_ms.append(abs(circular_beats(theirs["beat"], ours)) * 60_000.0 / theirs["tempo"])
        time.sleep(0.01)
    assert max(tempo_gaps) < 0.1, tempo_gaps
    assert max(phase_gaps_ms) < 10.0, phase_gaps_ms


@needs_link
def test_a_walk_follows_a_tempo_change_made_by_the_other_peer(peer, clock):
    tempo = Tempo(100.0, beat_clock=clock)
    player = WalkPlayer({"w": beats_walk(64.0)}, tempo, blend=0.0)
    state = PerformanceState()
    peer.ask("tempo", bpm=90.0)
    wait_until(lambda: abs(tempo.bpm - 90.0) < 0.01, "the 90 BPM set by the other peer never arrived")
    player.play("w")
    player.update(state, 0.0, 0.0)
    assert abs(circular_beats(player.position, clock.beat())) < 0.01  # beat 0 of the walk on a downbeat
    last = [time.perf_counter()]

    def frame():
        time.sleep(1 / 60)
        now = time.perf_counter()
        player.update(state, now, now - last[0])
        last[0] = now

    def beats_a_second(seconds: float) -> float:
        start, position = last[0], player.position
        wait_until(lambda: last[0] - start >= seconds, "frames stopped", step=frame)
        return (player.position - position) / (last[0] - start)

    assert beats_a_second(0.6) == pytest.approx(90.0 / 60.0, rel=0.02)
    peer.ask("tempo", bpm=150.0)
    wait_until(lambda: abs(tempo.bpm - 150.0) < 0.01, "the tempo change never reached the walk", step=frame)
    assert tempo.source == "link" and player.status().line().endswith("@ 150.0 BPM (link)")
    assert beats_a_second(0.6) == pytest.approx(150.0 / 60.0, rel=0.02)
    # still on the session's bars: the walk's position is as of its last frame, the session's beat as of now
    gap, since = abs(circular_beats(player.position, clock.beat())), time.perf_counter() - last[0]
    assert gap < 0.01 + since * 150.0 / 60.0, (gap, since)


@needs_link
def test_tap_tempo_in_performer_reaches_the_other_peer(peer, clock):
    peer.ask("tempo", bpm=100.0)
    wait_until(lambda: abs(clock.bpm - 100.0) < 0.01, "the other peer's 100 BPM never arrived")
    taps = iter([50.0, 50.4, 50.8, 51.2])  # 0.4 s apart: 150 BPM
    show = LiveShow(PerformanceState(), [], {}, Tempo(120.0, beat_clock=clock), clock=lambda: next(taps))
    for _ in range(4):
        show.actions()["tap_tempo"]()
    theirs = peer.ask("wait_tempo", bpm=150.0, timeout=5.0)
    assert abs(theirs["tempo"] - 150.0) < 0.1, theirs
    assert (show.tempo.source, show.tempo.bpm) == ("link", pytest.approx(150.0, abs=0.01))


@needs_link
def test_play_with_link_shows_the_session_and_leaves_it_at_the_end(peer, random_model_file, tmp_path):
    from performer.render.weights import CppnWeights
    from performer.render.window import HeadlessSurface
    from performer.session import build_session

    landmarks = tmp_path / "landmarks.yaml"
    landmarks.write_text(yaml.safe_dump({"landmarks": [{"name": "boot", "z": [2.0, 0, 0, 0, 0, 0, 0, -1.0]}]}))
    args = headless_play_args(random_model_file[0], tmp_path, landmarks, "--link", "--bpm", "110")
    weights = CppnWeights.from_file(args.model)
    surface = HeadlessSurface(args.size)
    session = build_session(args, surface, weights, PerformanceState(latent_dim=weights.latent_dim))
    try:
        assert peer.ask("wait", peers=1, timeout=10.0)["peers"] == 1
        link = session.show.tempo.beat_clock
        wait_until(lambda: link.peers == 1, "play --link never saw the other peer")
        session.app.step(0.0, 0.0)
        lines = session.hubs[0].status_lines()
        assert any(line.startswith("tempo source: link, peers 1, ") for line in lines), lines
        assert session.show.tempo.source == "link"
    finally:
        session.close()
        surface.close()
    deadline = time.perf_counter() + 5.0
    while peer.ask("report")["peers"] != 0 and time.perf_counter() < deadline:
        time.sleep(0.01)
    assert peer.ask("report")["peers"] == 0  # the show's end took performer out of the session
