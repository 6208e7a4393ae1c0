"""The operator window's tests (tests/operator_window_cases.py), run in a fresh interpreter.

In one process after the headless EGL tests, GLFW's GLX make-current of the operator window fails with an X
BadAccess error, and Xlib's default error handler exits the whole process (the suite would stop without a
word). A fresh process is what `performer play` is anyway.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

CASES = Path(__file__).with_name("operator_window_cases.py")


def test_operator_window_cases_pass_in_a_fresh_process():
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(CASES)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=CASES.parent.parent,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    summary = run.stdout.strip().splitlines()[-1]
    if " passed" not in summary:  # no Xvfb or xdotool here: the cases skipped themselves
        pytest.skip(summary)
    assert "4 passed" in summary, summary
