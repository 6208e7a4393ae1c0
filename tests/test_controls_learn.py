"""MIDI and OSC learn: recognising a moved control, the hub writing and loading the learned mapping, and learn
through the real paths: UDP into a `performer learn` subprocess answered on stdin, and play's L key."""

import queue
import socket
import subprocess
import sys
import threading
import time

import mido
import pytest
from pythonosc.udp_client import SimpleUDPClient

from performer.controls.events import ControlEvent
from performer.controls.hub import ControlHub
from performer.controls.learn import Learner, guess_relative, write_learned
from performer.controls.mapping_schema import load_mapping
from performer.soak_inputs import FakeMidiBackend
from performer.state import PerformanceState

BOARD = FakeMidiBackend("Board")  # one port whose callback the tests call, as rtmidi's thread would


def cc(number, value, channel=1):
    return ControlEvent("cc", number, float(value), channel, "Board")


def test_fader_needs_a_few_messages():
    learner = Learner()
    learner.arm("z3")
    assert [learner.feed(cc(5, v)) for v in (10, 14, 18)] == [None, None, None]
    assert learner.feed(cc(5, 22)) == {"cc": 5, "channel": 1, "to": "z3"}
    assert not learner.armed


def test_relative_encoders_and_fourteen_bit_are_recognised():
    assert guess_relative([1, 1, 2, 1]) == "twos-complement"
    assert guess_relative([65, 65, 66, 65]) == "binary-offset"
    assert guess_relative([1, 1, 65, 1]) == "signed-bit"
    assert guess_relative([10, 14, 18, 22]) is None
    learner = Learner()
    learner.arm("zoom")
    for _ in range(3):
        assert learner.feed(cc(16, 1)) is None
    assert learner.feed(cc(16, 1)) == {"cc": 16, "channel": 1, "relative": "twos-complement", "to": "zoom"}
    learner.arm("z1")
    results = []
    for msb, lsb in ((10, 0), (11, 64), (12, 3), (13, 9)):
        results += [learner.feed(cc(1, msb)), learner.feed(cc(33, lsb))]
    # the 4th MSB message decides, and CC 33 (= 1 + 32) has moved too: a 14-bit pair
    assert results == [None] * 6 + [{"cc14": 1, "channel": 1, "to": "z1"}, None]


def test_buttons_and_notes_learn_at_once_and_keys_are_ignored():
    learner = Learner()
    learner.arm("random")
    assert learner.feed(ControlEvent("key", "l", 1.0)) is None
    assert learner.feed(ControlEvent("note", 36, 0.0, 10)) is None  # a release
    assert learner.feed(ControlEvent("note", 36, 90.0, 10)) == {"note": 36, "channel": 10, "to": "random"}
    learner.arm("z2")
    assert learner.feed(ControlEvent("axis", "left_y", 0.7, 0)) == {"axis": "left_y", "to": "z2"}


def test_write_learned_replaces_same_target_and_keeps_header(tmp_path):
    path = tmp_path / "learned.yaml"
    path.write_text("# my board\nname: mine\ncontrols:\n  - {cc: 1, to: z1}\n  - {cc: 2, to: z2}\n")
    write_learned(path, {"cc": 9, "to": "z1"})
    text = path.read_text()
    assert text.startswith("# my board\n")
    assert [(c.cc, c.to) for c in load_mapping(path).controls] == [(2, "z2"), (9, "z1")]


class FakeMido:
    def __init__(self):
        self.callback = None

    def get_input_names(self):
        return ["Board"]

    get_output_names = get_input_names

    def open_input(self, name, callback=None):
        self.callback = callback
        return self

    def close(self):
        pass


def test_learn_in_play_writes_and_loads_the_mapping(tmp_path):
    learned = tmp_path / "learned.yaml"
    backend = FakeMido()
    actions = {}
    hub = ControlHub(osc=False, midi_in=["all"], midi_backend=backend, learn_file=learned, actions=actions)
    hub.start()
    hub.midi.scan_interval = 0
    for name, function in hub.own_actions().items():
        actions.setdefault(name, function)
    state = PerformanceState()
    actions["learn_next"]()  # z1 -> z2
    actions["learn"]()
    for value in (0, 20, 40, 60):
        backend.callback(mido.Message("control_change", control=12, value=value))
    hub.update(state, 1.0, 1 / 60)
    assert state.z[1] == 0.0  # learning does not move the target
    assert load_mapping(learned).controls[0].cc == 12
    hub.update(state, 1.1, 1 / 60)  # the new file is loaded on the next frame
    backend.callback(mido.Message("control_change", control=12, value=127))
    hub.update(state, 1.2, 1 / 60)
    assert state.z[1] == 3.0


# ---- OSC learn, through real UDP ------------------------------------------------------------------------


def test_osc_learn_needs_a_moving_value_or_a_press():
    learner = Learner()
    learner.arm("z1")
    heartbeat = [learner.feed(ControlEvent("osc", "/ping", 1.0)) for _ in range(5)]
    assert heartbeat == [None] * 5  # the same value again and again is not a control being moved
    assert learner.feed(ControlEvent("osc", "/1/fader1", 0.25)) is None
    assert learner.feed(ControlEvent("osc", "/1/fader1", 0.5)) == {"osc": "/1/fader1", "to": "z1"}
    learner.arm("random")
    assert learner.feed(ControlEvent("osc", "/1/push1", 0.0)) is None  # a release
    assert learner.feed(ControlEvent("osc", "/1/push1", 1.0)) == {"osc": "/1/push1", "to": "random"}


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Lines:
    """A subprocess's stdout, line by line, with a deadline per wait (a reader thread: readline blocks)."""

    def __init__(self, stream):
        self.seen: list[str] = []
        self._queue: queue.Queue = queue.Queue()
        threading.Thread(target=lambda: [self._queue.put(line) for line in stream], daemon=True).start()

    def wait_for(self, text: str, timeout: float = 15.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self._queue.get(timeout=0.1)
            except queue.Empty:
                continue
            self.seen.append(line)
            if text in line:
                return line
        raise AssertionError(f"no line with {text!r} within {timeout} s; got {self.seen}")


def test_performer_learn_learns_osc_addresses_sent_over_udp(tmp_path):
    """The issue's case: `performer learn --targets z1` with /1/fader1 sent during the prompt learned nothing,
    because the unmapped address was dropped as unknown before the learner saw it."""
    out, port = tmp_path / "mine.yaml", free_udp_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "performer.cli",
            "learn",
            "--targets",
            "z1,z2,random",
            "--osc-port",
            str(port),
            "--out",
            str(out),
            "--timeout",
            "30",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        bufsize=1,
    )
    try:
        lines = Lines(proc.stdout)
        lines.wait_for("z1: move a control now")
        client = SimpleUDPClient("127.0.0.1", port)
        for value in (0.5, -0.5):
            client.send_message("/performer/z/5", value)  # the app's own address space: applied, never learned
            time.sleep(0.05)
        for value in (0.1, 0.2, 0.3):
            client.send_message("/1/fader1", value)
            time.sleep(0.05)
        assert lines.wait_for("z1: {") == "z1: {'osc': '/1/fader1', 'to': 'z1'}\n"
        lines.wait_for("z2: move a control now")
        asked = time.monotonic()
        proc.stdin.write("\n")  # Enter: skip z2
        proc.stdin.flush()
        lines.wait_for("z2: skipped")
        assert time.monotonic() - asked < 5.0  # the answer, not the 30 s timeout
        lines.wait_for("random: move a control now")
        client.send_message("/1/push1", 1.0)
        assert lines.wait_for("random: {") == "random: {'osc': '/1/push1', 'to': 'random'}\n"
        assert lines.wait_for("written to") == f"2 control(s) written to {out}\n"
        assert proc.wait(timeout=10) == 0
        assert f"listening: OSC 127.0.0.1:{port}, MIDI unavailable\n" in lines.seen
    finally:
        proc.kill()
        proc.wait()
    assert [(c.osc, c.to) for c in load_mapping(out).controls] == [("/1/fader1", "z1"), ("/1/push1", "random")]


def test_osc_learn_in_the_hub_over_udp_then_the_address_drives_the_target(tmp_path):
    learned = tmp_path / "learned.yaml"
    actions = {}
    hub = ControlHub(osc_port=0, midi=False, learn_file=learned, actions=actions).start()
    actions.update(hub.own_actions())
    client = SimpleUDPClient("127.0.0.1", hub.osc.address[1])
    state = PerformanceState()
    clock = [0.0]

    def frames(count=3):
        for _ in range(count):
            time.sleep(0.02)  # the OSC thread receives meanwhile, as during a real frame
            clock[0] += 0.1
            hub.update(state, clock[0], 0.1)

    try:
        client.send_message("/1/fader3", 1.0)
        frames()
        assert hub.stats["osc_unknown_address"] == 1  # not learning: an unmapped address is dropped
        actions["learn"]()  # z1, the first target
        client.send_message("/performer/z/2", 1.5)
        for value in (0.0, 0.25):  # two values: it moved (the next one is already mapped)
            client.send_message("/1/fader3", value)
            frames(1)
        assert state.z[1] == 1.5  # the canonical space kept working during learn
        assert state.z[0] == 0.0  # learning does not move the target
        assert [(c.osc, c.to) for c in load_mapping(learned).controls] == [("/1/fader3", "z1")]
        assert hub.stats["osc_unknown_address"] == 1
        assert hub.status_lines()[-1] == "learned: osc /1/fader3 -> z1"
        client.send_message("/1/fader3", 1.0)  # the learned file was loaded on the next frame
        frames()
        assert state.z[0] == 3.0  # OSC 0..1 -> z -3..3
        client.send_message("/1/fader3", 0.25)
        frames()
        assert state.z[0] == pytest.approx(-1.5)
    finally:
        hub.close()


def test_play_l_key_learns_osc_then_midi(random_model_file, tmp_path):
    """play's path: the L key (through the surface's key callback) arms learn, an OSC fader sent over UDP is
    learned for z1; Page Down selects z2 and L again learns a MIDI CC; both then drive their latents."""
    from performer.cli import build_parser
    from performer.render.weights import CppnWeights
    from performer.render.window import HeadlessSurface
    from performer.session import build_session
    from performer.sources.midi import MidiInput

    learned = tmp_path / "learned.yaml"
    args = build_parser().parse_args(
        [
            "play",
            "--headless",
            "--model",
            str(random_model_file[0]),
            "--size",
            "32x24",
            "--osc-port",
            "0",
            "--no-midi",
            "--learn-file",
            str(learned),
            "--record-dir",
            str(tmp_path / "rec"),
            "--no-reload",
            "--no-prints",
            "--snapshot-dir",
            str(tmp_path / "snaps"),
        ]
    )
    weights = CppnWeights.from_file(args.model)
    surface = HeadlessSurface(args.size)
    session = build_session(args, surface, weights, PerformanceState(latent_dim=weights.latent_dim))
    hub, state, clock = session.hubs[0], session.app.state, [0.0]
    hub.midi = MidiInput(["Board"], backend=BOARD, scan_interval=0).start()
    client = SimpleUDPClient("127.0.0.1", hub.osc.address[1])

    def frames(count=2):
        for _ in range(count):
            time.sleep(0.02)
            clock[0] += 0.1
            session.app.step(clock[0], 0.1)

    def press(key):
        surface.on_key(key, True, False)
        surface.on_key(key, False, False)

    try:
        press("l")
        frames(1)
        assert "learn: move a control for z1" in hub.status_lines()
        for value in (0.5, 0.6):
            client.send_message("/2/fader7", value)
            frames(1)
        assert [(c.osc, c.to) for c in load_mapping(learned).controls] == [("/2/fader7", "z1")]
        press("page_down")
        press("l")
        frames(1)
        assert "learn: move a control for z2" in hub.status_lines()
        for value in (10, 30, 50, 70):
            BOARD.callback(mido.Message("control_change", control=21, value=value))
        frames(1)
        assert [(c.osc, c.cc, c.to) for c in load_mapping(learned).controls] == [
            ("/2/fader7", None, "z1"),
            (None, 21, "z2"),
        ]
        assert state.z[0] == 0.0 and state.z[1] == 0.0  # learning moved nothing
        frames(1)  # the learned file is loaded
        client.send_message("/2/fader7", 1.0)
        BOARD.callback(mido.Message("control_change", control=21, value=0))
        frames(2)
        assert state.z[0] == 3.0 and state.z[1] == -3.0
    finally:
        session.close()
        surface.close()


def test_performer_learn_loop_learns_a_midi_cc_and_a_note(tmp_path):
    """`performer learn`'s loop (learn_targets) with MIDI: there is no MIDI system on the test machine, so the
    board is a mido-like backend whose port callback is called from another thread, as rtmidi's would be."""
    from performer.commands.learn import learn_targets

    out = tmp_path / "mine.yaml"
    hub = ControlHub(osc=False, midi_in=["Board"], midi_backend=BOARD, learn_file=out).start()
    hub.midi.scan_interval = 0

    def play_board():
        time.sleep(0.1)
        for value in (0, 30, 60, 90):  # a fader for z4
            BOARD.callback(mido.Message("control_change", control=3, value=value, channel=2))
        while hub.learning.learner.target != "random":
            time.sleep(0.01)
        BOARD.callback(mido.Message("note_on", note=40, velocity=100))

    player = threading.Thread(target=play_board, daemon=True)
    player.start()
    try:
        assert learn_targets(hub, ["z4", "random"], 5.0, queue.Queue()) == 2
    finally:
        hub.close()
    player.join(timeout=1)
    controls = load_mapping(out).controls
    assert [(c.cc, c.note, c.channel, c.to) for c in controls] == [(3, None, 3, "z4"), (None, 40, 1, "random")]
