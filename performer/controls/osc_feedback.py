"""OSC feedback: current values sent to configured targets (TouchOSC, TouchDesigner, Max) so their faders
follow values that changed from another source (a preset recall, a walk, another controller).

Sending is non-blocking UDP: a missing or slow receiver costs nothing and never stalls a frame.
"""

from __future__ import annotations

import logging
import socket
from collections import Counter

from pythonosc.osc_message_builder import OscMessageBuilder

log = logging.getLogger(__name__)


def parse_host_port(text: str) -> tuple[str, int]:
    """'HOST:PORT' -> (host, port); ValueError naming the allowed port range."""
    host, sep, port = text.rpartition(":")
    if not sep or not host:
        raise ValueError(f"expected HOST:PORT, got {text!r}")
    try:
        number = int(port)
    except ValueError:
        raise ValueError(f"port must be an integer 1..65535, got {port!r}") from None
    if not 1 <= number <= 65535:
        raise ValueError(f"port must be 1..65535, got {number}")
    return host.strip("[]"), number


def build_message(address: str, args: list | tuple) -> bytes:
    builder = OscMessageBuilder(address)
    for arg in args:
        builder.add_arg(arg)
    return builder.build().dgram


class OscFeedback:
    """Sends OSC messages to a set of (host, port) targets."""

    def __init__(self, targets: list[tuple[str, int]] | tuple = ()) -> None:
        self.stats: Counter = Counter()
        self._socket: socket.socket | None = None
        self._targets: list[tuple[str, int]] = []
        self.set_targets(targets)

    @property
    def targets(self) -> list[tuple[str, int]]:
        return list(self._targets)

    def set_targets(self, targets) -> None:
        resolved = []
        for host, port in targets:
            try:
                resolved.append((socket.gethostbyname(host), int(port)))
            except (OSError, ValueError) as exc:
                log.warning("OSC feedback target %s:%s unusable: %s", host, port, exc)
        self._targets = list(dict.fromkeys(resolved))
        if self._targets and self._socket is None:
            self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self._socket.setblocking(False)

    def send(self, address: str, args: list | tuple) -> None:
        if not self._targets or self._socket is None:
            return
        try:
            data = build_message(address, args)
        except Exception as exc:  # a value python-osc cannot encode: count, never raise into the frame
            self.stats["encode_errors"] += 1
            log.debug("cannot encode %s %r: %s", address, args, exc)
            return
        for target in self._targets:
            try:
                self._socket.sendto(data, target)
                self.stats["sent"] += 1
            except OSError:
                self.stats["send_errors"] += 1

    def close(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None
