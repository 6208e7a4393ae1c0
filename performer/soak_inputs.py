"""What `performer soak` throws at a show: an OSC sender (run as its own process), a MIDI board, files
broken and fixed as an editor slip would (FileBreaker), and a thread that notes how late it wakes.

`python -m performer.soak_inputs PORT RATE SECONDS` sends RATE datagrams a second to 127.0.0.1:PORT
for SECONDS, a quarter of them junk, and prints "sent junk" when done. Datagrams are built byte by byte here
(not with python-osc) so that the junk can be exactly as broken as intended.
"""

from __future__ import annotations

import math
import os
import random
import socket
import struct
import sys
import threading
import time
from pathlib import Path

import numpy as np

JUNK_SHARE = 0.25
PARAMS = ("zoom", "rotation", "brightness", "contrast", "print_opacity", "print_a", "print_mix")


def osc_string(text: str) -> bytes:
    data = text.encode() + b"\0"
    return data + b"\0" * (-len(data) % 4)


def osc_message(address: str, *args) -> bytes:
    tags, body = ",", b""
    for arg in args:
        if isinstance(arg, float):
            tags, body = tags + "f", body + struct.pack(">f", arg)
        elif isinstance(arg, int):
            tags, body = tags + "i", body + struct.pack(">i", arg)
        else:
            tags, body = tags + "s", body + osc_string(arg)
    return osc_string(address) + osc_string(tags) + body


def osc_bundle(*elements: bytes) -> bytes:
    out = osc_string("#bundle") + struct.pack(">Q", 1)  # time tag 1: immediately
    for element in elements:
        out += struct.pack(">i", len(element)) + element
    return out


def valid_datagram(rng: random.Random) -> bytes:
    r = rng.random()
    if r < 0.5:
        return osc_message(f"/performer/z/{rng.randint(1, 8)}", rng.uniform(-3, 3))
    if r < 0.75:
        return osc_message("/performer/z", *[rng.uniform(-2, 2) for _ in range(8)])
    if r < 0.9:
        name = rng.choice(PARAMS)
        value = float(rng.randint(0, 6)) if name == "print_a" else rng.uniform(0, 1)
        return osc_message(f"/performer/param/{name}", value)
    if r < 0.95:
        return osc_bundle(
            osc_message("/performer/z/1", rng.uniform(-1, 1)), osc_message("/performer/param/zoom", rng.uniform(0.5, 2))
        )
    return osc_message(rng.choice(["/performer/random", "/performer/preset/next", "/performer/walk/next"]))


HOSTILE_UNITS = ("*", "?", "*a", "?*", "[a-z]", "[!x]", "*[a-z]?", "{,a}", "{a,ar,param}", "{z,zoom}", "r")


def hostile_pattern(rng: random.Random) -> str:
    """An address pattern made to blow up a backtracking matcher: a run of stars (the datagram that froze the
    show for 20 s), runs in two parts, classes, braces and mixes in any part, some past the length cap, some
    with an unclosed '[' or '{'. Each one new, so that no cache helps."""
    r = rng.random()
    if r < 0.2:
        return "/performer/" + "*" * rng.randint(20, 40) + rng.choice("xyzm")
    if r < 0.35:
        run = "*" * rng.randint(10, 30)
        return f"/performer/{run}m/{run}{rng.choice('xyz')}"
    if r < 0.65:
        units = "".join(rng.choice(HOSTILE_UNITS) for _ in range(rng.randint(4, 60)))
        return f"/performer/{rng.choice(['z', 'param', '*', '?*'])}/{units}"
    if r < 0.75:
        part = lambda: "".join(rng.choice(HOSTILE_UNITS) for _ in range(rng.randint(1, 12)))  # noqa: E731
        return "/" + "/".join(part() for _ in range(rng.randint(1, 4)))
    if r < 0.85:
        return "/performer/" + "*" * rng.randint(300, 4000)  # past the cap
    return "/performer/" + rng.choice(["z/[1-", "{z,param", "*[!a*"]) + "*" * rng.randint(0, 40)  # unclosed


def junk_datagram(rng: random.Random) -> bytes:
    r = rng.random()
    if r < 0.15:
        return os.urandom(rng.randint(1, 200))
    if r < 0.25:
        return osc_message("/performer/z/2", 1.0)[:-2]  # truncated
    if r < 0.4:
        return osc_message(f"/performer/z/{rng.randint(1, 8)}", rng.choice([math.nan, math.inf, -math.inf, 1e30]))
    if r < 0.5:
        return osc_message("/performer/z", "eight", "strings")
    if r < 0.6:
        return osc_message(f"/nobody/{rng.randint(0, 10**6)}", 1.0)  # unknown, never the same address twice
    if r < 0.7:
        return osc_string("#bundle") + struct.pack(">Q", 1) + struct.pack(">i", 9999) + b"\0" * 8  # length lies
    if r < 0.8:
        inner = osc_message("/performer/z/3", 0.5)
        for _ in range(20):
            inner = osc_bundle(inner)
        return inner  # nested too deep
    if r < 0.9:
        return osc_message("/performer/param/no_such_param", 1.0)
    return osc_message(hostile_pattern(rng), rng.uniform(-1.0, 1.0))


def send(port: int, rate: float, seconds: float, seed: int = 7) -> tuple[int, int]:
    rng = random.Random(seed)
    sent = junk = 0
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        start = time.perf_counter()
        while time.perf_counter() - start < seconds:
            is_junk = rng.random() < JUNK_SHARE
            sock.sendto(junk_datagram(rng) if is_junk else valid_datagram(rng), ("127.0.0.1", port))
            sent += 1
            junk += is_junk
            delay = start + sent / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
    return sent, junk


class FakeMidiBackend:
    """One virtual board for MidiInput: the callback it registers is the one rtmidi would call (tests call it
    too, as rtmidi's thread would)."""

    def __init__(self, name: str = "soak board") -> None:
        self.name = name
        self.callback = None

    def get_input_names(self):
        return [self.name]

    def get_output_names(self):
        return []

    def open_input(self, name, callback=None):
        self.callback = callback
        return self

    def close(self) -> None:
        self.callback = None


def feed_midi(backend: FakeMidiBackend, stop: threading.Event, rate: float, counts: dict) -> None:
    """Until `stop`: faders and knobs of mappings/nanokontrol2.yaml, notes, pitch bend and SysEx (up to 512
    bytes) through the port callback at `rate` a second, plus MIDI clock at 128 BPM."""
    import mido

    rng = np.random.default_rng(11)
    period, next_clock, sent = 1.0 / rate, time.monotonic(), 0
    while not stop.wait(period):
        callback = backend.callback
        if callback is None:
            continue
        r = rng.random()
        if r < 0.6:
            message = mido.Message(
                "control_change", control=int(rng.choice([*range(8), *range(16, 24)])), value=int(rng.integers(0, 128))
            )
        elif r < 0.75:
            message = mido.Message("note_on", note=int(rng.integers(0, 128)), velocity=int(rng.integers(0, 128)))
        elif r < 0.85:
            message = mido.Message("pitchwheel", pitch=int(rng.integers(-8192, 8192)))
        else:
            message = mido.Message("sysex", data=[int(v) for v in rng.integers(0, 128, int(rng.integers(1, 512)))])
            counts["sysex"] += 1
        callback(message)
        sent += 1
        if time.monotonic() >= next_clock:  # 24 clocks per beat at 128 BPM
            callback(mido.Message("clock"))
            next_clock += 60.0 / 128 / 24
    counts["sent"] = sent


if __name__ == "__main__":
    print(*send(int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])))


BROKEN_GLSL = "this line is not GLSL;\n"
BROKEN_YAML = "controls:\n  - {cc: 3, target: [latent\n"


def probe_wakeups(stop: threading.Event, gaps: list[float], period: float = 0.001) -> None:
    """A thread that asks to wake every millisecond and notes how long each wait really took: the longest
    gaps are how long the frame loop held the GIL (the OSC thread and MIDI callbacks wait as long)."""
    last = time.perf_counter()
    while not stop.wait(period):
        now = time.perf_counter()
        gaps.append(now - last)
        last = now


class FileBreaker:
    """Every `every` seconds, breaks cppn.glsl (a syntax error at line 41) and the mapping file (broken YAML) for
    BROKEN_SECONDS, as a slip in an editor would, then restores both. Notes whether each error was shown while
    broken and cleared once fixed."""

    BROKEN_SECONDS = 2.0

    def __init__(self, shader: Path, mapping: Path, reloader, every: float, seconds: float) -> None:
        self.shader, self.mapping, self.reloader = shader, mapping, reloader
        self.every, self.last_start = every, seconds - self.BROKEN_SECONDS - 1.0  # a second to see it cleared
        self.good_glsl, self.good_yaml = shader.read_text(), mapping.read_text()
        self.broken_since: float | None = None
        self.seen = {"shader": False, "mapping": False}
        self.counts = {
            "breaks": 0,
            "shader_shown": 0,
            "mapping_shown": 0,
            "shader_cleared": 0,
            "mapping_cleared": 0,
            "frames_while_broken": 0,
        }

    def tick(self, t: float) -> None:
        due = t >= self.every * (self.counts["breaks"] + 1) and t < self.last_start
        if self.broken_since is None and due:
            lines = self.good_glsl.splitlines(keepends=True)
            self.shader.write_text("".join(lines[:40] + [BROKEN_GLSL] + lines[40:]))
            self.mapping.write_text(BROKEN_YAML)
            self.reloader.mark_changed(self.shader.stem)  # what the file watcher does on save
            self.broken_since, self.seen = t, {"shader": False, "mapping": False}
            self.counts["breaks"] += 1
        elif self.broken_since is not None and t - self.broken_since >= self.BROKEN_SECONDS:
            self.shader.write_text(self.good_glsl)
            self.mapping.write_text(self.good_yaml)
            self.reloader.mark_changed(self.shader.stem)
            self.counts["shader_shown"] += self.seen["shader"]
            self.counts["mapping_shown"] += self.seen["mapping"]
            self.broken_since = None

    def observe(self, errors: list[str]) -> None:
        """After a frame: the error lines the HUD shows (shader and mapping errors name their file)."""
        if self.broken_since is not None:
            self.counts["frames_while_broken"] += 1
            self.seen["shader"] |= any(f"{self.shader.name}:" in line for line in errors)
            self.seen["mapping"] |= any(f"{self.mapping.name}:" in line for line in errors)
        elif self.counts["breaks"] and not errors:
            self.counts["shader_cleared"] = self.counts["mapping_cleared"] = self.counts["breaks"]

    @property
    def all_shown_and_cleared(self) -> bool:
        c = self.counts
        return c["shader_shown"] == c["mapping_shown"] == c["shader_cleared"] == c["mapping_cleared"] == c["breaks"]
