"""The Landmarks panel on its own Xvfb, driven by real X mouse and key events (xdotool): clicking a landmark
recalls it through the hub over the show's crossfade and frames it in gold; a name typed into the panel
saves the current state under it (and the typed letters are not the show's keys); rename, move and a
two-click delete change the file and the show's list alike. Each session works on a copy of the shipped
landmarks file in its own tmp_path."""

from __future__ import annotations

import shutil
import time

import numpy as np
import pytest
import yaml
from operator_window_cases import open_session, settle, xdotool
from xvfb import virtual_display

from performer.paths import DEFAULT_LANDMARKS
from performer.presets.landmarks import load_landmarks

pytest.importorskip("imgui_bundle")
GOLD = np.array([255, 217, 51])  # landmarks_panel.CURRENT, as 8-bit RGB


@pytest.fixture(scope="module")
def display():
    yield from virtual_display("1600x900x24", "xdotool")


@pytest.fixture
def landmarks_file(tmp_path):
    return shutil.copy(DEFAULT_LANDMARKS, tmp_path / "landmarks.yaml")


@pytest.fixture
def session(display, tmp_path, monkeypatch, landmarks_file):
    snapshots = str(tmp_path / "snapshots")  # a leaked S must not write into the project
    yield from open_session(
        display, tmp_path, monkeypatch, "--landmarks", str(landmarks_file), "--snapshot-dir", snapshots
    )


def point(session, name: str, where: float = 0.5) -> tuple[int, int]:
    """The screen pixel of widget `name` (its rectangle as the panel recorded it), `where` across it."""
    window_x, window_y = session.operator.glfw.get_window_pos(session.operator.window)
    x0, y0, x1, y1 = session.operator.panels.rects[name]
    return window_x + int(x0 + (x1 - x0) * where), window_y + int((y0 + y1) / 2)


def click(session, display, name: str, button: int = 1, where: float = 0.5) -> None:
    xdotool(display, "mousemove", *point(session, name, where))
    settle(session, 2)
    xdotool(display, "mousedown", button)
    settle(session, 2)
    xdotool(display, "mouseup", button)
    settle(session, 2)


def type_text(session, display, text: str) -> None:
    """Type into the operator window: X sends keys to the focused window, and without a window manager which
    of the session's two windows has the focus depends on the order they were mapped in."""
    session.operator.glfw.focus_window(session.operator.window)
    settle(session, 2)
    xdotool(display, "type", "--delay", "20", text)
    settle(session, 3)


def settle_until(session, done, seconds: float = 3.0) -> None:
    """Frames until `done()` (the loop's frames are not all alike on a busy machine), at most `seconds`."""
    end = time.perf_counter() + seconds
    while not done() and time.perf_counter() < end:
        settle(session, 1)


def framed_in_gold(session, name: str) -> bool:
    """Whether a gold line runs just left of widget `name` (the panel frames the current tile 2 px out)."""
    pixels = np.frombuffer(session.operator.read_pixels(), np.uint8)
    width, height = session.operator.glfw.get_framebuffer_size(session.operator.window)
    image = pixels.reshape(height, width, 3)[::-1].astype(int)  # rows top first
    x0, y0, x1, y1 = (int(v) for v in session.operator.panels.rects[name])
    strip = image[(y0 + y1) // 2, x0 - 5 : x0]
    return bool((np.abs(strip - GOLD).max(axis=1) < 40).any())


def test_clicking_a_landmark_recalls_it(session, display, landmarks_file):
    show, state = session.show, session.app.state
    show.crossfade = 0.4  # seconds: short, and long enough for frames to land inside it
    settle(session, 4)
    target = load_landmarks(landmarks_file, 8)[2]  # read from the file, not from the show
    assert target.name == "pullover" and np.all(state.z == 0.0)
    assert not framed_in_gold(session, "landmark 2")
    events = session.hubs[0].all_stats().get("operator_events", 0)
    click(session, display, "landmark 2")
    clicked = time.perf_counter()
    assert session.hubs[0].all_stats().get("operator_events", 0) == events + 1, "one event: /performer/preset pullover"
    assert show.index == 2
    assert show.fader.target is not None and show.fader.seconds == 0.4, "recalled over the show's crossfade"
    while time.perf_counter() - clicked < 0.6:
        settle(session, 1)
    assert np.allclose(state.z, target.z, atol=1e-9), "after the crossfade z is the landmark's"
    assert state.params["zoom"] == pytest.approx(target.zoom)
    settle(session, 2)
    assert framed_in_gold(session, "landmark 2")
    assert not framed_in_gold(session, "landmark 1")


def test_a_typed_name_saves_the_current_state_and_types_no_show_keys(session, display, landmarks_file):
    app = session.app
    settle(session, 4)
    session.operator.panels.source.set_value("z4", 1.25)  # somewhere no landmark is
    settle(session, 2)
    click(session, display, "new name")
    type_text(session, display, "stage bag")  # s: snapshot, b: blackout, g: previews, if they leaked
    xdotool(display, "key", "Return")
    settle_until(session, lambda: len(session.show.landmarks) == 16)
    saved = yaml.safe_load(landmarks_file.read_text())["landmarks"]
    assert len(saved) == 16 and saved[-1]["name"] == "stage bag"
    assert saved[-1]["z"] == [0.0, 0.0, 0.0, 1.25, 0.0, 0.0, 0.0, 0.0]
    assert [lm.name for lm in session.show.landmarks][-1] == "stage bag" and session.show.index == 15
    assert app.last_snapshot is None and not app.blackout.black, "the typed letters stayed in the field"


def test_rename_move_and_a_two_click_delete_change_the_file_and_the_show(session, display, landmarks_file):
    show = session.show
    before = [entry["name"] for entry in yaml.safe_load(landmarks_file.read_text())["landmarks"]]
    settle(session, 4)
    click(session, display, "landmark 1", button=3)  # right: select without recalling
    assert show.index == -1 and np.all(session.app.state.z == 0.0)
    click(session, display, "rename field")  # its text is all selected: typing replaces it
    type_text(session, display, "slacks")
    xdotool(display, "key", "Return")

    def names() -> list[str]:
        return [entry["name"] for entry in yaml.safe_load(landmarks_file.read_text())["landmarks"]]

    settle_until(session, lambda: "slacks" in names())

    assert names() == [before[0], "slacks", *before[2:]]
    click(session, display, "move >")
    assert names() == [before[0], before[2], "slacks", *before[3:]]
    assert [lm.name for lm in show.landmarks] == names()
    click(session, display, "delete")
    assert names() == [before[0], before[2], "slacks", *before[3:]], "one click deletes nothing"
    click(session, display, "delete")
    assert names() == [before[0], before[2], *before[3:]]
    assert [lm.name for lm in show.landmarks] == names()
