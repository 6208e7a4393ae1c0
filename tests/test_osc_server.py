"""OSC over a real UDP socket on 127.0.0.1: the canonical address space, bundles, wildcards, mapped addresses,
bad input dropped and counted, feedback, and a fuzz run after which the server still answers."""

import functools
import logging
import random
import socket
import struct
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pythonosc.osc_message_builder import OscMessageBuilder

from performer.controls.hub import ControlHub
from performer.controls.osc_pattern import osc_match
from performer.controls.osc_server import OscServer
from performer.state import PerformanceState


def message(address: str, *args) -> bytes:
    builder = OscMessageBuilder(address)
    for arg in args:
        builder.add_arg(arg)
    return builder.build().dgram


class Rig:
    def __init__(self, hub: ControlHub):
        self.hub, self.state = hub, PerformanceState()
        self.fired: list = []
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.now = 0.0

    def send(self, *datagrams: bytes) -> None:
        before = self.hub.osc.stats["received"]
        for data in datagrams:
            self.sock.sendto(data, self.hub.osc.address)
        deadline = time.monotonic() + 3.0
        while self.hub.osc.stats["received"] < before + len(datagrams) and time.monotonic() < deadline:
            time.sleep(0.002)
        assert self.hub.osc.stats["received"] == before + len(datagrams)

    def frame(self) -> None:
        self.now += 1 / 60
        self.hub.update(self.state, self.now, 1 / 60)


@pytest.fixture
def rig(tmp_path):
    mapping = tmp_path / "touch.yaml"
    mapping.write_text(
        "controls:\n"
        "  - {osc: /1/fader1, to: z8}\n"  # 0..1 -> -3..3
        "  - {osc: '/1/push*', to: random}\n"
        "  - {osc: /1/zoom, to: zoom, in: [0, 1], out: [1, 5]}\n"
    )
    fired = []
    actions = {
        name: (lambda *a, n=name: fired.append((n, *a)))
        for name in (
            "random",
            "preset",
            "preset_next",
            "walk_play",
            "walk_stop",
            "record_start",
            "record_stop",
            "hud",
            "previews",
            "pause",
        )
    }
    hub = ControlHub([mapping], osc_port=0, midi=False, actions=actions).start()
    r = Rig(hub)
    r.fired = fired
    yield r
    hub.close()
    r.sock.close()


def test_single_value_from_literal_bytes(rig):
    rig.send(b"/performer/z/1\x00\x00,f\x00\x00" + struct.pack(">f", 1.5))
    rig.frame()
    assert rig.state.z[0] == 1.5
    rig.send(b"/performer/z/2\x00\x00,i\x00\x00" + struct.pack(">i", -2))  # an int works too
    rig.frame()
    assert rig.state.z[1] == -2.0


def test_eight_floats_and_params(rig):
    rig.send(b"/performer/z\x00\x00\x00\x00,ffffffff\x00\x00\x00" + struct.pack(">8f", *[0.5 * i for i in range(8)]))
    rig.send(
        message("/performer/param/zoom", 2.5),
        message("/performer/param/palette", "ember"),
        message("/performer/param/rotation", 270.0),
    )
    rig.frame()
    assert list(rig.state.z) == [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5]
    assert rig.state.params["zoom"] == 2.5
    assert rig.state.palette_name == "ember"
    assert rig.state.params["rotation"] == -90.0  # wraps


def test_bundle_with_future_time_tag_is_applied_at_once(rig):
    ntp = int(time.time()) + 2208988800 + 3600  # an hour ahead, as TouchDesigner might stamp
    inner = message("/performer/z/3", 0.75)
    nested = b"#bundle\x00" + struct.pack(">II", ntp, 0) + struct.pack(">i", len(inner)) + inner
    second = message("/performer/param/brightness", -0.25)
    bundle = (
        b"#bundle\x00"
        + struct.pack(">II", ntp, 0)
        + struct.pack(">i", len(nested))
        + nested
        + struct.pack(">i", len(second))
        + second
    )
    rig.send(bundle)
    rig.frame()
    assert rig.state.z[2] == 0.75
    assert rig.state.params["brightness"] == -0.25
    assert rig.hub.osc.stats["bundles"] == 1


def test_wildcards(rig):
    assert osc_match("/performer/z/[1-3]", "/performer/z/2") and not osc_match("/performer/z/[1-3]", "/performer/z/4")
    assert osc_match("/performer/z/[!1-3]", "/performer/z/4") and osc_match("/1/{push,fader}?", "/1/push1")
    rig.send(message("/performer/z/[1-3]", 0.5))
    rig.frame()
    assert list(rig.state.z) == [0.5, 0.5, 0.5, 0, 0, 0, 0, 0]
    rig.send(message("/performer/z/{5,7}", -1.0))
    rig.frame()
    assert list(rig.state.z) == [0.5, 0.5, 0.5, 0, -1, 0, -1, 0]
    rig.send(message("/performer/*/8", 2.0))  # '*' stays within one part: z/8, and nothing else
    rig.frame()
    assert rig.state.z[7] == 2.0
    rig.send(message("/1/push3", 1.0))  # a mapping's pattern
    rig.frame()
    assert rig.fired == [("random",)]


def test_mapped_addresses_and_triggers(rig):
    rig.send(message("/1/fader1", 0.75), message("/1/zoom", 0.25))
    rig.frame()
    assert rig.state.z[7] == 1.5  # -3 + 0.75 * 6
    assert rig.state.params["zoom"] == 2.0  # 1 + 0.25 * 4
    rig.send(message("/performer/random"), message("/performer/walk/play", 1.0), message("/performer/walk/stop", 0.0))
    rig.send(message("/performer/preset", "night"), message("/performer/preset/next", 1))
    rig.frame()
    assert sorted(rig.fired, key=str) == sorted(
        [("random",), ("walk_play",), ("preset", "night"), ("preset_next",)], key=str
    )  # walk/stop 0.0 = release
    rig.fired.clear()
    rig.send(message("/1/push1", 1.0), message("/1/push1", 0.0))  # press and release inside one frame
    rig.frame()
    assert rig.fired == [("random",)]
    rig.fired.clear()
    rig.send(message("/performer/hud"), message("/performer/previews", 1.0), message("/performer/pause", 0.0))
    rig.frame()
    assert sorted(rig.fired) == [("hud",), ("previews",)]  # pause 0.0 is a release


def test_bad_input_dropped_and_counted(rig):
    before = rig.state.snapshot()
    rig.send(
        b"garbage!",  # not OSC at all
        b"/performer/z/5\x00\x00,f\x00\x00\x3f\xc0",  # truncated float (2 of 4 bytes)
        b"/performer/z/1\x00\x00,f\x00\x00" + struct.pack(">f", float("nan")),
        b"/performer/z/2\x00\x00,f\x00\x00" + struct.pack(">f", float("inf")),
        message("/performer/z/3", 1e30),  # huge: dropped, not clamped
        message("/performer/z/4", "abc"),  # wrong type
        message("/performer/z", 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0),  # 7 of 8
        message("/performer/param/palette", "no-such-palette"),
        message("/nowhere/at/all", 1.0),
        message("/performer/z/[oops", 1.0),  # an unbalanced pattern
    )
    rig.frame()
    assert rig.state.snapshot() == before
    stats = rig.hub.all_stats()
    assert stats["osc_malformed"] == 2
    assert stats["osc_bad_args"] == 6
    assert stats["osc_unknown_address"] == 1
    assert stats["osc_bad_pattern"] == 1
    rig.send(message("/performer/z/1", 0.25))  # and the server carries on
    rig.frame()
    assert rig.state.z[0] == 0.25


def test_coalescing_keeps_the_table_bounded():
    server = OscServer(max_addresses=4)
    for i in range(1000):
        server.receive(message(f"/performer/z/{i % 2 + 1}", float(i)))
    for i in range(10):
        server.receive(message(f"/other/{i}", 1.0))
    assert server.pending == 4 and server.max_pending == 4
    assert server.stats["overflow"] == 8  # /other/2.. found the table full
    assert server.stats["coalesced"] == 996  # 1000 messages on 2 addresses: the last two of each are kept
    drained = server.drain()
    assert [a for a, _, _ in drained] == ["/performer/z/1", "/performer/z/2", "/other/0", "/other/1"]
    assert len(drained[0][1]) == 2 and server.pending == 0


def test_allow_list_denies_other_senders(tmp_path):
    hub = ControlHub(osc_port=0, midi=False, osc_allow=["10.9.8.7"]).start()
    rig = Rig(hub)
    try:
        rig.send(message("/performer/z/1", 1.0))
        rig.frame()
        assert rig.state.z[0] == 0.0
        assert hub.osc.stats["denied"] == 1
    finally:
        hub.close()


def test_feedback_when_another_source_changes_values(tmp_path):
    listener = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    listener.bind(("127.0.0.1", 0))
    listener.settimeout(2.0)
    mapping = tmp_path / "t.yaml"
    mapping.write_text("controls:\n  - {osc: /1/fader1, to: z1}\n")
    hub = ControlHub([mapping], osc_port=0, midi=False, osc_feedback=[listener.getsockname()]).start()
    rig = Rig(hub)
    try:
        rig.frame()
        rig.state.set_latent(0, 1.5)  # a preset recall or a walk, not a controller
        rig.frame()
        got = {}
        for _ in range(2):
            data = listener.recv(1024)
            from pythonosc.osc_message import OscMessage

            parsed = OscMessage(data)
            got[parsed.address] = parsed.params[0]
        assert got == {"/performer/z/1": 1.5, "/1/fader1": pytest.approx(0.75)}  # (1.5 + 3) / 6
        rig.send(message("/performer/z/2", 1.0))  # from OSC: not echoed back to OSC
        rig.frame()
        listener.settimeout(0.2)
        with pytest.raises(TimeoutError):
            listener.recv(1024)
    finally:
        hub.close()
        listener.close()


def test_fuzz_thousands_of_malformed_datagrams_then_still_answers(rig):
    rng = random.Random(1234)
    prefixes = [b"", b"/", b"/performer/z/", b"#bundle\x00", b"/performer/z\x00\x00\x00\x00,"]
    datagrams = []
    for _ in range(4000):
        body = bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 48)))
        datagrams.append(rng.choice(prefixes) + body)
    for start in range(0, len(datagrams), 500):
        rig.send(*datagrams[start : start + 500])
        rig.frame()
    assert rig.hub.osc._thread.is_alive()
    z_before = rig.state.z.copy()
    rig.send(message("/performer/z/6", -0.5))
    rig.frame()
    assert rig.state.z[5] == -0.5
    assert np.all(np.abs(z_before) <= 4.0)  # whatever got through stayed within the state's limits
    stats = rig.hub.all_stats()
    assert stats["osc_received"] == 4001 and stats.get("update_errors", 0) == 0
    dropped = stats.get("osc_malformed", 0) + stats.get("osc_unknown_address", 0) + stats.get("osc_bad_args", 0)
    assert dropped > 1000


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=96), st.sampled_from([b"", b"/performer/z/1\x00\x00", b"#bundle\x00", b"/performer/z"]))
def test_any_bytes_never_raise(data, prefix):
    hub = ControlHub(osc=False, midi=False)
    server = OscServer()
    state = PerformanceState()
    server.receive(prefix + data)
    for _, datagrams, sender in server.drain():
        for dgram in datagrams:
            hub._osc_datagram(dgram, sender, state, 0.0)
    assert np.all(np.isfinite(state.z)) and np.all(np.abs(state.z) <= 4.0)
    assert all(np.isfinite(v) for v in state.params.values())


def bundle(*elements: bytes, sizes: list[int] | None = None) -> bytes:
    """#bundle, time tag 'immediately' (1), then size-prefixed elements (sizes may lie)."""
    out = b"#bundle\x00" + struct.pack(">Q", 1)
    for i, element in enumerate(elements):
        out += struct.pack(">i", sizes[i] if sizes else len(element)) + element
    return out


Z1 = b"/performer/z/1\x00\x00,f\x00\x00" + struct.pack(">f", 0.5)  # 16 + 4 + 4 = 24 bytes


@pytest.mark.parametrize(
    ("name", "datagram"),
    [
        ("size past the end", bundle(Z1, sizes=[9999])),
        ("size not a multiple of 4", bundle(Z1 + b"\x00\x00", sizes=[26])),
        ("negative size", bundle(Z1, sizes=[-24])),
        ("zero size", bundle(b"", sizes=[0])),
        ("element is neither message nor bundle", bundle(b"\x00" * 8)),
        ("truncated size", bundle(Z1) + b"\x00\x00\x00\x10"[:2] + b"\x00\x00"),
        ("nested nine deep", functools.reduce(lambda inner, _: bundle(inner), range(10), Z1)),
        ("unknown type tag", b"/performer/z/1\x00\x00,x\x00\x00" + struct.pack(">f", 0.5)),
    ],
)
def test_malformed_bundles_and_tags_are_counted_without_a_log_flood(name, datagram, caplog):
    server = OscServer()
    with caplog.at_level("DEBUG"):
        server.receive(datagram)
        hub = ControlHub(osc=False, midi=False)
        state = PerformanceState()
        for _, datagrams, sender in server.drain():
            for dgram in datagrams:
                hub._osc_datagram(dgram, sender, state, 0.0)
    dropped = server.stats["malformed"] + hub.stats["osc_malformed"]
    assert dropped == 1, (name, dict(server.stats), dict(hub.stats))
    assert state.z[0] == 0.0
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], name  # python-osc's warnings


def test_a_good_bundle_nested_eight_deep_still_counts():
    server = OscServer()
    nested = functools.reduce(lambda inner, _: bundle(inner), range(9), Z1)  # the outer one + 8 nested
    server.receive(nested)
    assert server.stats["malformed"] == 0 and [a for a, _, _ in server.drain()] == ["/performer/z/1"]


def test_the_operator_windows_changes_are_fed_back_to_osc(tmp_path):
    """The operator window and the design canvas speak /performer addresses but are not OSC clients: a fader
    moved there is sent to TouchOSC, as a walk's change is (an OSC client's own change is not echoed)."""
    from performer.operator.source import OperatorSource

    listener = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    listener.bind(("127.0.0.1", 0))
    listener.settimeout(2.0)
    operator = OperatorSource()
    hub = ControlHub([], osc_port=0, midi=False, osc_feedback=[listener.getsockname()], sources=[operator]).start()
    rig = Rig(hub)
    try:
        rig.frame()
        operator.set_value("z3", -2.25)
        operator.set_latents([0.5] * 7 + [1.25])
        rig.frame()
        from pythonosc.osc_message import OscMessage

        got = {}
        listener.settimeout(0.5)
        try:
            while True:
                parsed = OscMessage(listener.recv(1024))
                got[parsed.address] = parsed.params[0]
        except TimeoutError:
            pass
        assert rig.state.z[7] == 1.25 and rig.state.z[2] == 0.5
        assert got["/performer/z/3"] == 0.5 and got["/performer/z/8"] == 1.25
        assert len([a for a in got if a.startswith("/performer/z/")]) == 8
    finally:
        hub.close()
        listener.close()
