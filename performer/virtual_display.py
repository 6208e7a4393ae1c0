"""A virtual X display (Xvfb) of our own: for the commands that need a window where there is no screen (the
operator benchmark and its screenshots on a server) and for the tests that open real windows."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator


class NoVirtualDisplay(RuntimeError):
    """Xvfb (or a program needed with it) is missing, or it did not start."""


@contextlib.contextmanager
def virtual_display(screen: str = "1920x1080x24", *needs: str) -> Iterator[str]:
    """Start Xvfb with one screen ("WxHxDEPTH"), yield its DISPLAY (":N"), stop it. NoVirtualDisplay when Xvfb
    or a program in `needs` (e.g. xdotool) is missing or Xvfb does not start. Xvfb picks a free display number
    itself (-displayfd), so two of these never collide."""
    missing = [name for name in ("Xvfb", *needs) if shutil.which(name) is None]
    if missing:
        raise NoVirtualDisplay(f"{', '.join(missing)} needed (apt-get install xvfb {' '.join(needs)})".strip())
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
        raise NoVirtualDisplay("Xvfb did not start")
    try:
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(timeout=10)
