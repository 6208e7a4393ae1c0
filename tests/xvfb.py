"""A virtual X display of the tests' own (performer/virtual_display.py), for tests that open real windows."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from performer.virtual_display import NoVirtualDisplay
from performer.virtual_display import virtual_display as start_display


def virtual_display(screen: str, *needs: str) -> Iterator[str]:
    """Yield the DISPLAY (":N") of a fresh Xvfb with one screen ("WxHxDEPTH"); skip the test when Xvfb or a
    program in `needs` (e.g. xdotool) is missing, or Xvfb does not start. For a fixture: `yield from` it."""
    try:
        display = start_display(screen, *needs)
        name = display.__enter__()
    except NoVirtualDisplay as exc:
        pytest.skip(str(exc))
    try:
        yield name
    finally:
        display.__exit__(None, None, None)
