"""The whole live chain, headless: OSC datagrams over real UDP -> hub -> state / landmarks / walks ->
renderer -> recorder writing a real video file. What a TouchDesigner patch does to a running performer."""

from __future__ import annotations

import socket
import time

import imageio.v3 as iio
import numpy as np
import pytest
import yaml
from play_args import headless_play_args

from performer.render.weights import CppnWeights
from performer.render.window import HeadlessSurface
from performer.session import build_session
from performer.soak_inputs import osc_message
from performer.state import PerformanceState


@pytest.fixture
def session(random_model_file, tmp_path):
    landmarks = tmp_path / "landmarks.yaml"
    landmarks.write_text(
        yaml.safe_dump(
            {
                "landmarks": [
                    {"name": "boot", "z": [2.0, 0, 0, 0, 0, 0, 0, -1.0]},
                    {"name": "dress", "z": [-1.0, 0.5, 0, 0, 0, 0, 0, 0], "palette": "ember"},
                ]
            }
        )
    )
    snapshots = ["--snapshot-dir", str(tmp_path / "snaps")]
    args = headless_play_args(random_model_file[0], tmp_path, landmarks, *snapshots)
    weights = CppnWeights.from_file(args.model)
    surface = HeadlessSurface(args.size)
    built = build_session(args, surface, weights, PerformanceState(latent_dim=weights.latent_dim))
    yield built
    built.close()
    surface.close()


def run_frames(session, count: int, clock: list[float]) -> None:
    for _ in range(count):
        clock[0] += 0.1  # a steady 10 fps performance clock
        session.app.step(clock[0], 0.1)
        time.sleep(0.005)  # give the OSC thread a moment, as a real frame period would


def test_osc_drives_state_presets_and_recording(session, tmp_path):
    hub = session.hubs[0]
    port = hub.osc.address[1]
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    send = lambda data: sender.sendto(data, ("127.0.0.1", port))  # noqa: E731
    clock = [0.0]
    state = session.app.state

    send(osc_message("/performer/z/3", 1.5))
    send(osc_message("/performer/param/zoom", 2.0))
    run_frames(session, 3, clock)
    assert state.z[2] == pytest.approx(1.5) and state.params["zoom"] == 2.0

    send(osc_message("/performer/record/start"))
    run_frames(session, 2, clock)
    send(osc_message("/performer/preset", "boot"))  # crossfade 1 s by default
    run_frames(session, 15, clock)
    assert state.z[0] == pytest.approx(2.0, abs=1e-4) and state.z[7] == pytest.approx(-1.0, abs=1e-4)
    send(osc_message("/performer/preset", 1))  # by index: "dress", ember palette
    run_frames(session, 15, clock)
    assert state.z[0] == pytest.approx(-1.0, abs=1e-4) and state.palette_name == "ember"
    send(osc_message("/performer/record/stop"))
    run_frames(session, 2, clock)
    session.recorder.close()  # finish the file

    assert hub.stats.get("malformed", 0) == 0
    videos = list((tmp_path / "rec").glob("performer-*"))
    assert len(videos) == 1
    frames = iio.imread(videos[0], index=None)
    assert frames.shape[1:3] == (48, 64)
    # 30 steps of 0.1 s recorded at 10 fps: about 30 frames, and the picture changed along the way
    assert 25 <= frames.shape[0] <= 35, frames.shape
    assert np.abs(frames[0].astype(int) - frames[-1].astype(int)).mean() > 2


def test_osc_walk_and_bad_input_do_not_stop_the_loop(session):
    hub = session.hubs[0]
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    port = hub.osc.address[1]
    clock = [0.0]
    for junk in (
        b"\x00\x01\x02",
        osc_message("/performer/z/1", "not a number"),
        osc_message("/performer/z/2", float("nan")),
        osc_message("/performer/walk", 3),
    ):
        sender.sendto(junk, ("127.0.0.1", port))
    sender.sendto(osc_message("/performer/walk", "orbit-that-does-not-exist"), ("127.0.0.1", port))
    run_frames(session, 3, clock)
    assert not np.isnan(session.app.state.z).any()
    before = session.app.state.z.copy()
    session.app.trigger("walk_play")  # the current walk: moves z over time
    run_frames(session, 10, clock)
    assert np.abs(session.app.state.z - before).max() > 1e-3
    assert session.app.frames == 13


def test_osc_print_parameters_change_the_picture(session):
    """Procedural prints need no worker: print_opacity over OSC puts stripes on the garment."""
    hub, clock = session.hubs[0], [0.0]
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    address = ("127.0.0.1", hub.osc.address[1])
    sender.sendto(osc_message("/performer/z", *[1.0, -1.0, 0.5, 0.0, 0.0, 0.5, -0.5, 1.0]), address)
    run_frames(session, 2, clock)
    plain = session.renderer.target.read_rgb().astype(int)
    sender.sendto(osc_message("/performer/param/print_a", 0.0), address)  # slot 0: stripes
    sender.sendto(osc_message("/performer/param/print_opacity", 1.0), address)
    run_frames(session, 2, clock)
    assert session.app.state.params["print_opacity"] == 1.0
    printed = session.renderer.target.read_rgb().astype(int)
    assert np.abs(printed - plain).mean() > 1.0
    assert session.renderer.ctx.error == "GL_NO_ERROR"
