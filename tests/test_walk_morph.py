"""The morph fader between two landmarks: worked out by hand, no jump at start, stops a walk, and a
MIDI knob drives it through a mapping."""

from __future__ import annotations

import math

import numpy as np
import pytest

from performer.palettes import PALETTE_NAMES
from performer.presets.landmarks import Landmark
from performer.soak_inputs import FakeMidiBackend
from performer.state import PerformanceState
from performer.walks.morph import Morph

A = Landmark("a", (1.0, 0, 0, 0, 0, 0, 0, 0), palette="grey", zoom=1.0)
B = Landmark("b", (0, 2.0, 0, 0, 0, 0, 0, 0), palette="ember", zoom=4.0)
C = Landmark("c", (0, 0, -1.0, 0, 0, 0, 0, 0))


def test_morph_by_hand():
    state, morph = PerformanceState(), Morph([A, B, C])
    state.set_z([0.3] * 8)
    morph.update(state, 0.0, 0.0)
    assert np.allclose(state.z, 0.3)  # the first frame only notes where the fader is: no jump at start
    state.set("morph", 0.5)
    morph.update(state, 0.1, 0.1)
    # half way along the great circle from (1, 0) to (0, 1), norm half way from 1 to 2: 1.5 * (cos 45, sin 45)
    assert state.z[:2] == pytest.approx([1.5 / math.sqrt(2), 1.5 / math.sqrt(2)], abs=1e-6)
    assert np.allclose(state.z[2:], 0.0)
    assert state.params["zoom"] == pytest.approx(2.0)  # zoom in ratios: sqrt(1 * 4)
    assert state.params["palette"] == PALETTE_NAMES.index("ember")  # at 0.5: switched to B's
    state.set("morph", 0.25)
    morph.update(state, 0.2, 0.1)
    assert state.params["palette"] == 0 and state.params["zoom"] == pytest.approx(4**0.25)
    state.set_latent(7, 1.0)  # a latent fader between morph moves: left alone
    morph.update(state, 0.3, 0.1)
    assert state.z[7] == 1.0
    state.set("morph_b", 9)  # past the last landmark: the last one (C)
    morph.update(state, 0.4, 0.1)
    want = np.zeros(8)
    want[0], want[2] = math.sin(0.75 * math.pi / 2), -math.sin(0.25 * math.pi / 2)  # 90 degrees apart, norms 1
    assert state.z == pytest.approx(want, abs=1e-6)
    assert morph.status_line(state) == "morph a > c 25%"


def test_moving_the_morph_stops_the_walk(tmp_path):
    from performer.walks.live import LiveShow

    state = PerformanceState()
    show = LiveShow.build(state, 8)
    show.update(state, 0.0, 1 / 60)
    show.play_walk("groove")
    assert show.player.status().playing
    state.set("morph", 0.3)
    show.update(state, 0.1, 1 / 60)
    assert not show.player.status().playing
    a, b = show.landmarks[0], show.landmarks[1]
    assert state.z == pytest.approx(np.asarray(morph_z(a, b, 0.3)), abs=1e-5)


def morph_z(a, b, u):
    from performer.walks.keyframes import slerp

    return slerp(np.asarray(a.z), np.asarray(b.z), u)


def test_a_knob_drives_the_morph_through_a_mapping(tmp_path):
    import mido

    from performer.controls.hub import ControlHub
    from performer.walks.live import LiveShow

    mapping = tmp_path / "knobs.yaml"
    mapping.write_text("controls:\n  - {cc: 22, to: morph}\n  - {cc: 26, to: morph_b, out: [0, 14]}\n")

    board = FakeMidiBackend("knobs")
    hub = ControlHub([mapping], osc=False, midi_backend=board).start()
    state = PerformanceState()
    show = LiveShow.build(state, 8)
    try:
        hub.midi.scan_interval = 0
        for frame, message in enumerate([None, ("cc", 26, 127), ("cc", 22, 127)]):
            if message:
                board.callback(mido.Message("control_change", control=message[1], value=message[2]))
            hub.update(state, frame * 0.1, 0.1)
            show.update(state, frame * 0.1, 0.1)
        assert state.params["morph_b"] == 14 and state.params["morph"] == 1.0
        assert state.z == pytest.approx(np.asarray(show.landmarks[14].z), abs=1e-5)  # all the way to B
    finally:
        hub.close()
