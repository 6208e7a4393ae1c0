"""The OSC server: a UDP socket read on its own thread, coalesced per address, drained once per frame by the
OSC source (performer/sources/osc.py); the addresses that need no mapping are performer/targets.py's.

The thread does as little as possible per datagram (the sender may be TouchDesigner at full tilt): check the
sender against the allow-list, take the address, keep the latest two datagrams of that address (the last
two, so a button's press and release inside one frame still make an edge). Parsing the arguments happens on
the main thread, for the few datagrams that survive coalescing. The pending table holds at most
`max_addresses` addresses, so a flood never builds an unbounded queue. Bundles are unpacked at once: their
time tags are ignored (TouchDesigner stamps everything; holding messages back would only add latency).

Everything malformed is dropped and counted in `stats`; nothing here raises into the frame loop.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections import Counter

from performer.controls.osc_decode import BUNDLE_HEADER, bundle_messages

log = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 9000
MAX_DATAGRAM = 65535
RECEIVE_BUFFER = 16 * 1024 * 1024


class OscServer:
    """UDP OSC receiver on a daemon thread. `drain()` returns [(address, [datagram, ...], sender_ip)] in
    order of last arrival and empties the table. `stats` counts received, malformed, denied, coalesced,
    overflow and bundles."""

    def __init__(
        self,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        allow: tuple[str, ...] | list[str] = (),
        max_addresses: int = 4096,
    ) -> None:
        self.host, self.port = host, port
        self.allow = frozenset(allow)
        self.max_addresses = max_addresses
        self.stats: Counter = Counter()
        self.max_pending = 0  # the largest the pending table has been: proof it stays bounded
        self._pending: dict[bytes, tuple[bytes | None, bytes, str]] = {}
        self._lock = threading.Lock()
        self._socket: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    @property
    def address(self) -> tuple[str, int]:
        """The bound (host, port); the real port when 0 was asked for."""
        if self._socket is None:
            return (self.host, self.port)
        return self._socket.getsockname()[:2]

    def start(self) -> OscServer:
        """Bind and start the thread; OSError if the address is taken or cannot be bound."""
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_DGRAM)
        # A big kernel buffer absorbs a burst while this thread waits for the GIL; SO_RCVBUFFORCE (Linux,
        # needs CAP_NET_ADMIN) goes past net.core.rmem_max. Either may fail: the default buffer still works.
        for option, size in (
            (getattr(socket, "SO_RCVBUFFORCE", None), RECEIVE_BUFFER),
            (socket.SO_RCVBUF, RECEIVE_BUFFER),
        ):
            try:
                if option is not None:
                    sock.setsockopt(socket.SOL_SOCKET, option, size)
                    break
            except OSError:
                continue
        try:
            sock.bind((self.host, self.port))
        except OSError:
            sock.close()
            raise
        sock.settimeout(0.2)
        self._socket = sock
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="osc-server", daemon=True)
        self._thread.start()
        log.info("OSC listening on %s:%d", *self.address)
        return self

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=1.0)
            self._thread = None
        if self._socket is not None:
            self._socket.close()
            self._socket = None

    def _run(self) -> None:
        sock = self._socket
        assert sock is not None
        while not self._stop.is_set():
            try:
                data, sender = sock.recvfrom(MAX_DATAGRAM)
            except TimeoutError:
                continue
            except OSError:
                if self._stop.is_set():
                    return
                self.stats["socket_errors"] += 1
                continue
            try:
                self.receive(data, sender[0])
            except Exception:  # never let one datagram end the thread; counted, never logged per datagram
                self.stats["malformed"] += 1

    def receive(self, data: bytes, sender: str = "127.0.0.1") -> None:
        """What the thread does with one datagram (tests may call it directly)."""
        self.stats["received"] += 1
        if self.allow and sender not in self.allow:
            self.stats["denied"] += 1
            return
        if data[:1] == b"/":
            self._put(data, sender)
        elif data[:8] == BUNDLE_HEADER:
            try:
                messages = bundle_messages(data)
            except ValueError:
                self.stats["malformed"] += 1
                return
            self.stats["bundles"] += 1
            for message in messages:
                self._put(message, sender)
        else:
            self.stats["malformed"] += 1

    def _put(self, data: bytes, sender: str) -> None:
        end = data.find(b"\x00")
        if end <= 0:
            self.stats["malformed"] += 1
            return
        key = data[:end]
        with self._lock:
            previous = self._pending.pop(key, None)
            if previous is None and len(self._pending) >= self.max_addresses:
                self.stats["overflow"] += 1
                return
            if previous is not None:
                if previous[0] is not None:
                    self.stats["coalesced"] += 1
                self._pending[key] = (previous[1], data, sender)
            else:
                self._pending[key] = (None, data, sender)
            if len(self._pending) > self.max_pending:
                self.max_pending = len(self._pending)

    @property
    def thread_id(self) -> int | None:
        """The OS id of the receiving thread (for os.sched_setaffinity), None when not running."""
        return self._thread.native_id if self._thread is not None else None

    @property
    def pending(self) -> int:
        return len(self._pending)

    def drain(self) -> list[tuple[str, list[bytes], str]]:
        with self._lock:
            pending, self._pending = self._pending, {}
        out = []
        for key, (previous, last, sender) in pending.items():
            try:
                address = key.decode("ascii")
            except UnicodeDecodeError:
                self.stats["malformed"] += 2 if previous is not None else 1
                continue
            out.append((address, [previous, last] if previous is not None else [last], sender))
        return out


def send_socket() -> socket.socket:
    """A non-blocking UDP socket for feedback (sending never stalls a frame)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setblocking(False)
    return sock
