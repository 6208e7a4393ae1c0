"""The joystick source: joysticks and gamepads through GLFW, polled once per frame from the main thread.

Polling reads a `JoystickSnapshot` (axes, buttons, hats, and the gamepad-mapped state when GLFW knows the
device) per connected joystick and turns differences from the previous snapshot into ControlEvents; tests
feed snapshots directly. Hot-plug: the list of joysticks is re-read every `scan_interval` seconds; a
joystick that goes away releases everything it held (so a velocity-mode stick stops moving its value).
GLFW's joystick functions need glfw.init() but no window; if GLFW cannot start, one line says so. The source
is opened (`open_joystick`) once a mapping binds a joystick control.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

from performer.controls.events import GAMEPAD_AXES, GAMEPAD_BUTTONS, HAT_DIRECTIONS, HUGE, TRIGGERS, ControlEvent
from performer.sources.base import SourceSetup

log = logging.getLogger(__name__)

MAX_JOYSTICKS = 16
AXIS_EPSILON = 1e-3


@dataclass(frozen=True)
class JoystickSnapshot:
    jid: int
    name: str
    axes: tuple[float, ...] = ()
    buttons: tuple[int, ...] = ()
    hats: tuple[int, ...] = ()
    gamepad_axes: tuple[float, ...] | None = None  # GLFW gamepad order (GAMEPAD_AXES)
    gamepad_buttons: tuple[int, ...] | None = None  # GLFW gamepad order (GAMEPAD_BUTTONS)


def _values(snapshot: JoystickSnapshot) -> dict[tuple[str, int | str], float]:
    """Every control of a snapshot as {(kind, number): value}."""
    out: dict[tuple[str, int | str], float] = {}
    for i, v in enumerate(snapshot.axes):
        out[("axis", i)] = float(v)
    for i, v in enumerate(snapshot.buttons):
        out[("button", i)] = 1.0 if v else 0.0
    for i, bits in enumerate(snapshot.hats):
        for direction, bit in HAT_DIRECTIONS.items():
            out[("hat", f"{i}.{direction}")] = 1.0 if int(bits) & bit else 0.0
    if snapshot.gamepad_axes is not None:
        for name, v in zip(GAMEPAD_AXES, snapshot.gamepad_axes, strict=False):
            out[("axis", name)] = float(v)
    if snapshot.gamepad_buttons is not None:
        for name, v in zip(GAMEPAD_BUTTONS, snapshot.gamepad_buttons, strict=False):
            out[("button", name)] = 1.0 if v else 0.0
    return out


def _rest(kind: str, number: int | str) -> float:
    return -1.0 if number in TRIGGERS else 0.0


class GlfwJoysticks:
    """Reads joysticks through GLFW (main thread only). Never terminates GLFW: the window may share it."""

    def __init__(self) -> None:
        self._glfw = None
        self.available = True

    def _ready(self):
        if self._glfw is None and self.available:
            try:
                import glfw

                glfw.ERROR_REPORTING = "ignore"
                if not glfw.init():
                    raise RuntimeError("glfw.init() failed")
                self._glfw = glfw
            except Exception as exc:
                self.available = False
                log.warning("joysticks unavailable (%s); continuing without them", exc)
        return self._glfw

    def present(self) -> list[int]:
        glfw = self._ready()
        if glfw is None:
            return []
        return [jid for jid in range(MAX_JOYSTICKS) if glfw.joystick_present(jid)]

    def snapshot(self, jid: int) -> JoystickSnapshot | None:
        glfw = self._ready()
        if glfw is None or not glfw.joystick_present(jid):
            return None
        axes_ptr, n_axes = glfw.get_joystick_axes(jid)
        buttons_ptr, n_buttons = glfw.get_joystick_buttons(jid)
        hats_ptr, n_hats = glfw.get_joystick_hats(jid)
        gamepad_axes = gamepad_buttons = None
        if glfw.joystick_is_gamepad(jid):
            state = glfw.get_gamepad_state(jid)
            if state is not None:
                gamepad_axes, gamepad_buttons = tuple(state.axes), tuple(state.buttons)
        return JoystickSnapshot(
            jid,
            glfw.get_joystick_name(jid).decode("utf-8", "replace") if glfw.get_joystick_name(jid) else "",
            tuple(axes_ptr[i] for i in range(n_axes)),
            tuple(buttons_ptr[i] for i in range(n_buttons)),
            tuple(hats_ptr[i] for i in range(n_hats)),
            gamepad_axes,
            gamepad_buttons,
        )


class JoystickInput:
    """Turns snapshots into events. `reader` has present() -> [jid] and snapshot(jid) -> JoystickSnapshot."""

    name = "joystick"

    def __init__(self, reader=None, scan_interval: float = 0.5) -> None:
        self.reader = reader if reader is not None else GlfwJoysticks()
        self.scan_interval = scan_interval
        self.connected: dict[int, str] = {}
        self._last: dict[int, dict[tuple[str, int | str], float]] = {}
        self._next_scan = float("-inf")
        self.stats: dict[str, int] = {"events": 0, "plugged": 0, "unplugged": 0, "bad_values": 0}

    def poll(self, now: float) -> list[ControlEvent]:
        """Events since the last poll from every joystick; the joystick list is re-read every scan_interval."""
        events: list[ControlEvent] = []
        try:
            jids = list(self.connected)
            if now >= self._next_scan:
                self._next_scan = now + self.scan_interval
                present = list(self.reader.present())
                for jid in jids:
                    if jid not in present:
                        events += self.unplug(jid, now)
                jids = present
            for jid in jids:
                snapshot = self.reader.snapshot(jid)
                if snapshot is not None:
                    events += self.feed(snapshot, now)
                elif jid in self.connected:
                    events += self.unplug(jid, now)
        except Exception:  # a driver hiccup must not stop the frame loop
            log.debug("joystick poll failed", exc_info=True)
        return events

    def feed(self, snapshot: JoystickSnapshot, now: float) -> list[ControlEvent]:
        """Events for what changed since this joystick's previous snapshot (everything, the first time)."""
        if snapshot.jid not in self.connected:
            self.connected[snapshot.jid] = snapshot.name
            self.stats["plugged"] += 1
            log.info("joystick %d connected: %s", snapshot.jid, snapshot.name)
        values = _values(snapshot)
        last = self._last.get(snapshot.jid, {})
        events = []
        for (kind, number), value in values.items():
            old = last.get((kind, number), _rest(kind, number))
            if not math.isfinite(value) or abs(value) > HUGE:  # a driver's junk: checked here, once
                self.stats["bad_values"] += 1
                values[(kind, number)] = old
            elif abs(value - old) > AXIS_EPSILON:
                events.append(ControlEvent(kind, number, value, snapshot.jid, snapshot.name, now))
        self._last[snapshot.jid] = values
        self.stats["events"] += len(events)
        return events

    def unplug(self, jid: int, now: float) -> list[ControlEvent]:
        name = self.connected.pop(jid, "")
        last = self._last.pop(jid, {})
        self.stats["unplugged"] += 1
        log.info("joystick %d disconnected: %s", jid, name)
        return [
            ControlEvent(kind, number, _rest(kind, number), jid, name, now)
            for (kind, number), value in last.items()
            if abs(value - _rest(kind, number)) > AXIS_EPSILON
        ]

    # ---- the Source protocol -----------------------------------------------------------------------------
    def events(self, now: float) -> list[ControlEvent]:
        return self.poll(now)

    def status_line(self) -> str | None:
        return None

    def error_lines(self) -> list[str]:
        return []

    def close(self) -> None:
        pass  # GLFW is the window's too: it stays up


def open_joystick(setup: SourceSetup) -> JoystickInput | None:
    """Joysticks, once a mapping binds one (or a reader is given, e.g. a test's)."""
    if setup.options.joystick_reader is None and "joystick" not in setup.families:
        return None
    return JoystickInput(setup.options.joystick_reader)
