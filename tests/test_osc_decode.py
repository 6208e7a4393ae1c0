"""OSC arguments decoded by performer itself: every OSC 1.0 type tag (`c` and `I` included, which python-osc
skips with a warning per datagram), nothing logged per datagram, malformed packets refused."""

import logging
import math
import socket
import struct
import time

import pytest

from performer.controls.hub import ControlHub
from performer.controls.osc_decode import parse_message
from performer.state import PerformanceState

Z1 = b"/performer/z/1\x00\x00"  # 16 bytes


def test_every_type_tag_decodes_in_place():
    tags = b",ifsbhdtcrmTFNI[i]\x00\x00"  # 20 bytes with padding
    body = [struct.pack(">i", -7), struct.pack(">f", 0.5), b"hi\x00\x00", struct.pack(">i", 3), b"abc\x00"]
    body += [struct.pack(">q", 2**40), struct.pack(">d", 0.25), struct.pack(">Q", 1), struct.pack(">I", 66)]
    body += [struct.pack(">I", 0xFF0000FF), bytes([0, 0x90, 60, 100]), struct.pack(">i", 9)]
    address, args = parse_message(b"/x\x00\x00" + tags + b"".join(body))
    assert address == "/x"
    assert args[:10] == [-7, 0.5, "hi", b"abc", 2**40, 0.25, 1, "B", 0xFF0000FF, (0, 0x90, 60, 100)]
    assert args[10:] == [True, False, None, math.inf, [9]]


def test_a_char_before_a_float_leaves_the_float_where_it_was():
    """python-osc skipped `c` without reading its 4 bytes, so the float came from the char's bytes."""
    datagram = Z1 + b",cf\x00" + struct.pack(">I", 65) + struct.pack(">f", 0.75)
    assert parse_message(datagram) == ("/performer/z/1", ["A", 0.75])


MALFORMED = [
    Z1 + b",x\x00\x00" + struct.pack(">f", 0.5),  # unknown tag
    Z1 + b",f\x00\x00",  # the float is missing
    Z1 + b",c\x00\x00" + struct.pack(">I", 0x110000),  # not a character
    Z1 + b",f\x00\x00" + struct.pack(">f", 0.5) + b"\x00" * 4,  # bytes after the last argument
    Z1 + b",b\x00\x00" + struct.pack(">i", 64) + b"\x00" * 4,  # blob longer than the packet
    Z1 + b",s\x00\x00" + b"\xff\xfe\x00\x00",  # not UTF-8
    Z1 + b",[[\x00",  # unclosed array
    Z1 + b"f\x00\x00\x00" + struct.pack(">f", 0.5),  # tags without ','
    b"/\xe9\x00\x00",  # address not ASCII
]


@pytest.mark.parametrize("datagram", MALFORMED)
def test_malformed_messages_are_refused(datagram):
    with pytest.raises(ValueError):
        parse_message(datagram)


def test_c_and_I_over_udp_decode_and_nothing_is_logged_per_datagram(caplog):
    """The issue: 20,700 datagrams gave 15,169 warnings. Here 150 datagrams with `c` and `I` through a real
    socket: the char recalls the preset named by it, `I` (infinity) is a bad argument for a latent, and the
    log stays quiet."""
    fired = []
    hub = ControlHub(osc_port=0, midi=False, actions={"preset": lambda *a: fired.append(a)}).start()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    state, now = PerformanceState(), 0.0
    try:
        with caplog.at_level(logging.DEBUG):
            for _frame in range(50):
                sent = hub.osc.stats["received"]
                sock.sendto(Z1 + b",I\x00\x00", hub.osc.address)
                sock.sendto(b"/performer/preset\x00\x00\x00,c\x00\x00" + struct.pack(">I", ord("B")), hub.osc.address)
                two = b"/performer/z/3\x00\x00,fc\x00" + struct.pack(">f", 0.25) + struct.pack(">I", 67)
                sock.sendto(two, hub.osc.address)
                deadline = time.monotonic() + 3.0
                while hub.osc.stats["received"] < sent + 3 and time.monotonic() < deadline:
                    time.sleep(0.001)
                now += 1 / 60
                hub.update(state, now, 1 / 60)
        stats = hub.all_stats()
    finally:
        hub.close()
        sock.close()
    assert stats["osc_received"] == 150 and stats.get("osc_malformed", 0) == 0
    assert fired == [("B",)] * 50
    assert stats["osc_bad_args"] == 100  # z/1 with infinity, z/3 with two arguments: 50 frames each
    assert state.z[0] == 0.0 and state.z[2] == 0.0
    quiet = [r for r in caplog.records if r.name.startswith(("performer.controls", "root", "pythonosc"))]
    assert len(quiet) <= 2, [r.getMessage() for r in quiet]  # the server's start line, not one per datagram
