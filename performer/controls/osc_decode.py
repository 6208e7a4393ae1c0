"""OSC packets decoded here rather than by python-osc, which skips a type tag it does not know (`I`, `c`, ...)
with a warning per datagram (a log flood under junk input) and then reads the following arguments from the
wrong bytes. Every OSC 1.0 tag and the common 1.1 ones are decoded; anything else makes the message malformed
(ValueError), to be dropped and counted by the caller. Nothing here logs.
"""

from __future__ import annotations

import math
import struct

BUNDLE_HEADER = b"#bundle\x00"
MAX_BUNDLE_DEPTH = 8
MAX_ARRAY_DEPTH = 8
TYPE_TAGS = frozenset("ifdsShbtmrcTFNI[]")

_FIXED = {  # tag -> (struct format, size)
    "i": (">i", 4),
    "f": (">f", 4),
    "r": (">I", 4),
    "c": (">I", 4),
    "h": (">q", 8),
    "d": (">d", 8),
    "t": (">Q", 8),
}
_CONSTANTS = {"T": True, "F": False, "N": None, "I": math.inf}  # I: OSC 1.0 "Infinitum"


def _string(dgram: bytes, index: int) -> tuple[bytes, int]:
    """The bytes of the 0-terminated, 4-byte padded string at `index`, and the index after its padding."""
    end = dgram.find(b"\x00", index)
    if end < 0:
        raise ValueError("malformed OSC message: unterminated string")
    after = (end + 4) & ~3
    if after > len(dgram):
        raise ValueError("malformed OSC message: string padding past the end")
    return dgram[index:end], after


def parse_message(dgram: bytes) -> tuple[str, list]:
    """(address, arguments) of one OSC message datagram; ValueError when malformed: not a multiple of 4 bytes,
    an address that is not ASCII starting with '/', an unknown type tag, an argument cut short, bytes left
    over. `c` decodes to a one-character string, `I` to infinity, `m` to 4 ints, `r` and `t` to ints."""
    if len(dgram) % 4:
        raise ValueError(f"malformed OSC message: {len(dgram)} bytes is not a multiple of 4")
    raw, index = _string(dgram, 0)
    if not raw.startswith(b"/") or not raw.isascii():
        raise ValueError("malformed OSC message: the address is not ASCII starting with '/'")
    address = raw.decode("ascii")
    if index == len(dgram):
        return address, []  # no type tag string: OSC 1.0 allows it for messages without arguments
    tags, index = _string(dgram, index)
    if not tags.startswith(b","):
        raise ValueError("malformed OSC message: the type tag string does not start with ','")
    params: list = []
    stack = [params]
    for tag in tags[1:].decode("latin-1"):
        if tag in _FIXED:
            form, size = _FIXED[tag]
            if index + size > len(dgram):
                raise ValueError(f"malformed OSC message: argument {tag!r} cut short")
            (value,) = struct.unpack_from(form, dgram, index)
            index += size
            if tag == "c":
                if value > 0x10FFFF:
                    raise ValueError("malformed OSC message: 'c' is not a character")
                value = chr(value)
        elif tag in _CONSTANTS:
            value = _CONSTANTS[tag]
        elif tag in "sS":
            text, index = _string(dgram, index)
            try:
                value = text.decode("utf-8")
            except UnicodeDecodeError:
                raise ValueError("malformed OSC message: a string that is not UTF-8") from None
        elif tag == "b":
            if index + 4 > len(dgram):
                raise ValueError("malformed OSC message: blob size cut short")
            (size,) = struct.unpack_from(">i", dgram, index)
            start, index = index + 4, index + 4 + size + (-size % 4)
            if size < 0 or index > len(dgram):
                raise ValueError("malformed OSC message: blob does not fit the packet")
            value = dgram[start : start + size]
        elif tag == "m":
            if index + 4 > len(dgram):
                raise ValueError("malformed OSC message: MIDI argument cut short")
            value, index = tuple(dgram[index : index + 4]), index + 4
        elif tag == "[":
            if len(stack) > MAX_ARRAY_DEPTH:
                raise ValueError(f"malformed OSC message: arrays nested deeper than {MAX_ARRAY_DEPTH}")
            array: list = []
            stack[-1].append(array)
            stack.append(array)
            continue
        elif tag == "]":
            if len(stack) < 2:
                raise ValueError("malformed OSC message: ']' without '['")
            stack.pop()
            continue
        else:
            raise ValueError(f"malformed OSC message: unknown type tag {tag!r}")
        stack[-1].append(value)
    if len(stack) != 1:
        raise ValueError("malformed OSC message: '[' without ']'")
    if index != len(dgram):
        raise ValueError(f"malformed OSC message: {len(dgram) - index} bytes after the last argument")
    return address, params


def bundle_messages(dgram: bytes, depth: int = 0) -> list[bytes]:
    """The message datagrams inside a bundle, nested bundles flattened, time tags ignored; ValueError unless
    every element's size is a positive multiple of 4 inside the packet and every element is a message or
    a bundle."""
    if depth > MAX_BUNDLE_DEPTH:
        raise ValueError(f"bundles nested deeper than {MAX_BUNDLE_DEPTH}")
    if not dgram.startswith(BUNDLE_HEADER) or len(dgram) < 16 or len(dgram) % 4:
        raise ValueError("malformed OSC bundle header")
    out: list[bytes] = []
    index = 16  # "#bundle\0" + 8-byte time tag
    while index < len(dgram):
        if index + 4 > len(dgram):
            raise ValueError("truncated OSC bundle element size")
        size = int.from_bytes(dgram[index : index + 4], "big", signed=True)
        index += 4
        if size <= 0 or size % 4 or index + size > len(dgram):
            raise ValueError(f"OSC bundle element of {size} bytes does not fit the packet")
        element = dgram[index : index + size]
        index += size
        if element.startswith(BUNDLE_HEADER):
            out.extend(bundle_messages(element, depth + 1))
        elif element[:1] == b"/":
            out.append(element)
        else:
            raise ValueError("OSC bundle element is neither a message nor a bundle")
    return out
