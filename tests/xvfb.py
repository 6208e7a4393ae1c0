"""A virtual X display of the tests' own (Xvfb), for tests that open real windows."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator

import pytest


def virtual_display(screen: str, *needs: str) -> Iterator[str]:
    """Start Xvfb with one screen ("WxHxDEPTH"), yield its DISPLAY (":N"), stop it; skip the test when Xvfb or a
    program in `needs` (e.g. xdotool) is missing, or Xvfb does not start. For a fixture: `yield from` it."""
    missing = [name for name in ("Xvfb", *needs) if shutil.which(name) is None]
    if missing:
        pytest.skip(f"{', '.join(missing)} needed (apt-get install xvfb {' '.join(needs)})")
    read, write = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", screen, "-nolisten", "tcp"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as pipe:
        number = pipe.readline().strip()  # Xvfb writes the display number once it accepts clients
    if not number:
        server.kill()
        pytest.skip("Xvfb did not start")
    try:
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(timeout=10)
