"""A real `performer play --headless` left alone costs little CPU (the loop sleeps to its --fps), and still
answers an OSC message within a frame or two. CPU time is read from /proc/PID/stat."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import imageio.v3 as iio
import numpy as np
import pytest

from performer.soak_inputs import osc_message

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of the process, all its threads (fields 14 and 15 of /proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # fields after "(comm)" start at field 3


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def snapshots(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.png"), key=lambda p: p.stat().st_mtime_ns)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_an_idle_show_sleeps_between_frames_and_still_answers_osc_at_once(random_model_file, tmp_path):
    port, shots = free_udp_port(), tmp_path / "snaps"
    show = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "performer.cli",
            "play",
            "--headless",
            "--model",
            str(random_model_file[0]),
            "--size",
            "64x48",
            "--frames",
            "100000000",
            "--fps",
            "60",
            "--weights",
            "texture",
            "--no-prints",
            "--no-midi",
            "--osc-port",
            str(port),
            "--snapshot-dir",
            str(shots),
            "--landmarks",
            str(tmp_path / "none"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    send = lambda data: sender.sendto(data, ("127.0.0.1", port))  # noqa: E731
    try:
        deadline = time.monotonic() + 90
        while not snapshots(shots) and time.monotonic() < deadline:
            assert show.poll() is None, show.communicate()[1]
            send(osc_message("/performer/snapshot"))  # until the loop runs and its OSC server is up
            time.sleep(0.2)
        assert snapshots(shots), "the show never answered /performer/snapshot"
        before = iio.imread(snapshots(shots)[-1])

        time.sleep(0.5)  # let the last snapshot's write and any start-up work settle
        cpu0, wall0 = cpu_seconds(show.pid), time.monotonic()
        time.sleep(3.0)
        share = (cpu_seconds(show.pid) - cpu0) / (time.monotonic() - wall0)
        # the unpaced loop presented ~1,900 still frames a second here and used 90% of a core
        assert share < 0.15, f"an idle show used {share:.0%} of a core"

        count = len(snapshots(shots))
        sent = time.monotonic()
        send(osc_message("/performer/z", *[3.0, -3.0, 2.0, -2.0, 3.0, -3.0, 2.0, -2.0]))
        changed = None
        while changed is None and time.monotonic() - sent < 5.0:
            time.sleep(0.01)
            send(osc_message("/performer/snapshot"))  # each one saves the frame drawn before it
            time.sleep(0.01)
            for path in snapshots(shots)[count:]:
                if np.abs(iio.imread(path).astype(int) - before).mean() > 2:
                    changed = time.monotonic() - sent
                    break
            count = len(snapshots(shots))
        assert changed is not None, "the new z never reached the picture"
        # 60 fps: at most one period asleep, one 64x48 render, one snapshot round trip; slack for a busy machine
        assert changed < 0.5, f"the first frame with the new z came {changed * 1000:.0f} ms after the message"
        print(f"idle: {share:.1%} of a core; new z in a snapshot {changed * 1000:.0f} ms after the message")
    finally:
        sender.close()
        show.send_signal(signal.SIGTERM)
        try:
            out, err = show.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            show.kill()
            out, err = show.communicate()
    assert show.returncode == 0, err
    assert "Traceback" not in err
    summary = next(line for line in out.splitlines() if line.startswith("showed "))
    shown, rendered = (int(word) for word in summary.split()[1:4:2])  # "showed N frame(s), M rendered, ..."
    assert rendered < shown / 10  # a still show presents frames but does not render them again
