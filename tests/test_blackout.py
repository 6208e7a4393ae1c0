"""Blackout: B fades the output to black in half a second and back to where it was; the shader's master
level scales the final colour; a fader can take master over once no fade runs."""

from __future__ import annotations

import numpy as np
import pytest

from performer.blackout import Blackout
from performer.render.cppn_renderer import CppnRenderer
from performer.render.weights import CppnWeights
from performer.render.window import HeadlessSurface
from performer.state import PerformanceState


def run(blackout, state, seconds, dt=0.05):
    for _ in range(round(seconds / dt)):
        blackout.update(state, 0.0, dt)


def test_fade_down_and_back_by_hand():
    state, blackout = PerformanceState(), Blackout(fade_seconds=0.5)
    state.set("master", 0.8)
    blackout.toggle(state)
    run(blackout, state, 0.2)  # 4 steps of 0.05 / 0.5 = 0.1 each: 0.8 -> 0.4
    assert state.params["master"] == pytest.approx(0.4)
    run(blackout, state, 0.3)  # 0.4 -> 0 and held there
    assert state.params["master"] == 0.0 and blackout.target is None
    blackout.toggle(state)  # back to 0.8, not to 1
    run(blackout, state, 0.25)
    assert state.params["master"] == pytest.approx(0.5)
    blackout.toggle(state)  # pressed again mid-way: down again, still remembering 0.8
    run(blackout, state, 0.5)
    assert state.params["master"] == 0.0
    blackout.toggle(state)
    run(blackout, state, 1.0)
    assert state.params["master"] == pytest.approx(0.8)
    state.set("master", 0.3)  # a fader, once the fade is done: blackout no longer writes
    run(blackout, state, 0.5)
    assert state.params["master"] == 0.3


def test_black_at_start_comes_back_to_full():
    state, blackout = PerformanceState(), Blackout(fade_seconds=0.5)
    state.set("master", 0.0)
    blackout.toggle(state)
    blackout.toggle(state)
    run(blackout, state, 0.5)
    assert state.params["master"] == pytest.approx(1.0)


def test_master_scales_the_final_colour(random_model_file):
    surface = HeadlessSurface((64, 48))
    renderer = CppnRenderer(surface.ctx, CppnWeights.from_file(random_model_file[0]), "texture")
    try:
        state = PerformanceState()
        state.set_z([1.0, -0.5, 0, 0, 0, 0, 0, 0])
        state.set("palette", 3)
        state.set("bg_b", 0.4)
        full = renderer.render(state, (64, 48)).read_rgb().astype(int)
        state.set("master", 0.5)
        half = renderer.render(state, (64, 48)).read_rgb().astype(int)
        state.set("master", 0.0)
        black = renderer.render(state, (64, 48)).read_rgb()
        assert full.max() > 100
        assert np.abs(half - full * 0.5).max() <= 1.0
        assert black.max() == 0
        assert renderer.ctx.error == "GL_NO_ERROR"
    finally:
        renderer.release()
        surface.close()


def test_b_key_and_osc_blackout_reach_the_frame(random_model_file):
    from performer.app import App
    from performer.controls.hub import ControlHub

    surface = HeadlessSurface((32, 24))
    renderer = CppnRenderer(surface.ctx, CppnWeights.from_file(random_model_file[0]), "texture")
    app = App(surface, renderer, PerformanceState(), seed=0)
    hub = ControlHub(osc=False, midi=False, actions=app.actions)
    try:
        app.keyboard.on_key("b", True, False)
        for i in range(12):  # 12 frames of 50 ms: the half-second fade is over
            app.step(i * 0.05, 0.05)
        assert app.state.params["master"] == 0.0 and renderer.target.read_rgb().max() == 0
        hub.handle_osc("/performer/blackout", [], app.state)  # TouchOSC's button: back up
        for i in range(12):
            app.step(1 + i * 0.05, 0.05)
        assert app.state.params["master"] == 1.0
    finally:
        hub.close()
        renderer.release()
        surface.close()
