"""Joysticks: snapshots fed directly (no GLFW needed), absolute and velocity modes, dead zone, hats,
gamepad names, hot-plug."""

import pytest

from performer.controls.hub import ControlHub
from performer.sources.joystick import JoystickInput, JoystickSnapshot
from performer.state import PerformanceState


class FakeReader:
    def __init__(self):
        self.snapshots: dict[int, JoystickSnapshot] = {}

    def present(self):
        return list(self.snapshots)

    def snapshot(self, jid):
        return self.snapshots.get(jid)


def pad(jid=0, axes=(0.0,) * 6, buttons=(0,) * 15, hats=(0,), name="Pad"):
    return JoystickSnapshot(jid, name, tuple(axes), tuple(buttons), tuple(hats), tuple(axes), tuple(buttons))


def rig(tmp_path, controls: str, actions=None):
    path = tmp_path / "pad.yaml"
    path.write_text("controls:\n" + controls)
    reader = FakeReader()
    hub = ControlHub([path], osc=False, midi=False, joystick_reader=reader, actions=actions).start()
    hub.joystick.scan_interval = 0.0
    state = PerformanceState()
    clock = {"t": 0.0}

    def frame(dt):
        clock["t"] += dt
        hub.update(state, clock["t"], dt)

    return hub, state, reader, frame


def test_snapshot_differences_become_events():
    joysticks = JoystickInput(FakeReader())
    first = joysticks.feed(pad(axes=(0.5, 0, 0, 0, -1, -1), hats=(1 | 2,)), 0.0)
    got = {(e.kind, e.number): e.value for e in first}
    # raw axes 4 and 5 at -1 differ from a raw axis' rest (0); the gamepad triggers rest at -1, so no event
    assert got == {
        ("axis", 0): 0.5,
        ("axis", 4): -1.0,
        ("axis", 5): -1.0,
        ("axis", "left_x"): 0.5,
        ("hat", "0.up"): 1.0,
        ("hat", "0.right"): 1.0,
    }
    again = joysticks.feed(pad(axes=(0.5, 0, 0, 0, -1, -1), hats=(2,)), 0.1)
    assert [(e.kind, e.number, e.value) for e in again] == [("hat", "0.up", 0.0)]


def test_absolute_axis_with_dead_zone(tmp_path):
    hub, state, reader, frame = rig(tmp_path, "  - {axis: 0, to: z1, deadzone: 0.1}\n")
    reader.snapshots[0] = pad(axes=(0.55, 0, 0, 0, 0, 0))
    frame(1 / 60)
    # 0.55 -> (0.55 - 0.1) / 0.9 = 0.5 of the half range -> 0.5 * 3 = 1.5
    assert state.z[0] == pytest.approx(1.5)
    reader.snapshots[0] = pad(axes=(0.08, 0, 0, 0, 0, 0))
    frame(1 / 60)
    assert state.z[0] == 0.0  # inside the dead zone


def test_velocity_mode_moves_the_value_while_held(tmp_path):
    hub, state, reader, frame = rig(tmp_path, "  - {axis: left_x, to: z1, mode: velocity, rate: 2.0, deadzone: 0.1}\n")
    reader.snapshots[0] = pad(axes=(0.55, 0, 0, 0, -1, -1))
    frame(0.5)  # deflection 0.5 * rate 2 * 0.5 s = +0.5
    assert state.z[0] == pytest.approx(0.5)
    frame(0.25)
    assert state.z[0] == pytest.approx(0.75)
    reader.snapshots[0] = pad(axes=(0.0, 0, 0, 0, -1, -1))  # let go: stays where it is
    frame(0.5)
    assert state.z[0] == pytest.approx(0.75)
    reader.snapshots[0] = pad(axes=(-1.0, 0, 0, 0, -1, -1))
    for _ in range(10):
        frame(0.5)
    assert state.z[0] == -3.0  # clamped to the output range


def test_triggers_rest_at_minus_one(tmp_path):
    hub, state, reader, frame = rig(tmp_path, "  - {axis: right_trigger, to: z5, mode: velocity, rate: 1.0}\n")
    reader.snapshots[0] = pad(axes=(0, 0, 0, 0, -1, -1))
    frame(1.0)
    assert state.z[4] == 0.0  # at rest: no drift
    reader.snapshots[0] = pad(axes=(0, 0, 0, 0, -1, 1.0))
    frame(1.0)
    assert state.z[4] == pytest.approx(1.0)


def test_buttons_hats_and_unplug(tmp_path):
    fired = []
    hub, state, reader, frame = rig(
        tmp_path,
        "  - {button: a, to: random}\n  - {hat: 0, direction: up, to: z2, mode: velocity, rate: 1.0}\n",
        actions={"random": lambda: fired.append(1)},
    )
    reader.snapshots[0] = pad(buttons=(1,) + (0,) * 14, hats=(1,))
    frame(0.5)
    reader.snapshots[0] = pad(buttons=(1,) + (0,) * 14, hats=(1,))
    frame(0.5)
    assert fired == [1] and state.z[1] == pytest.approx(1.0)
    del reader.snapshots[0]  # unplugged while the hat is held: it lets go
    frame(0.5)
    frame(0.5)
    assert state.z[1] == pytest.approx(1.0) and hub.joystick.connected == {}
    reader.snapshots[0] = pad(buttons=(1,) + (0,) * 14)  # plugged back in, A still held: a new press
    frame(0.5)
    assert fired == [1, 1]
