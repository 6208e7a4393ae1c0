"""OSC 1.0 address patterns, matched in time linear in the lengths of pattern and address, whatever the pattern.

Semantics, within one part between '/' (a wildcard never crosses a '/'): `?` one character, `*` any run,
`[abc]` `[a-z]` one of, `[!a-z]` none of, `{foo,bar}` one of the words (taken literally). A pattern and an
address match when they have the same number of parts and every part matches.

How it stays linear by construction: a pattern part is compiled once into a list of elements, and matching
scans that list once, keeping the set of reachable address positions as the bits of one integer (a position-set
simulation, as a Thompson NFA keeps its set of active states). Each element maps that set to the next with a few
integer operations: a character is a mask and a shift, `?` a shift, `*` spreads every reachable position to the
end of its part (in log2(part length) doubling steps), a class is the mask of the characters it accepts, a brace
the union of its words. Nothing is ever retried, so the work is a few integer operations per pattern character,
on integers of len(address) bits: O(len(pattern) * len(address) / 64) at worst, and a set that empties ends the
match early. The address table lays the distinct parts at each depth end to end in one integer, so a received
pattern costs one pass per part however many addresses there are. No regular expression engine is involved:
its backtracking is what made runs of `*` exponential.

Patterns and addresses longer than MAX_PATTERN characters are refused in addition (a received one counts as a
bad pattern; a longer address matches no pattern), which bounds the absolute cost of one datagram.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
import time
from collections.abc import Iterable

MAX_PATTERN = 256  # characters; TouchOSC, TouchDesigner and Max send addresses of a few dozen
_SPECIAL = re.compile(r"[*?\[\]{}]")  # one character class, no quantifier: a linear scan in C

LITERAL, RUN, CLASS, BRACE = range(4)  # element kinds


def has_wildcard(address: str) -> bool:
    return _SPECIAL.search(address) is not None


class _Texts:
    """Address parts laid end to end for matching, one bit per position: a part of n characters takes
    positions start..start+n (the last one, "after the part", is where a match must end), then one dead position
    that no element reaches, so nothing carries from one part into the next. One simulation over this integer
    matches a pattern part against every text at once."""

    __slots__ = ("texts", "starts", "masks", "chars", "ends", "runs", "at_least", "finals", "sorted_chars", "prefix")

    def __init__(self, texts: Iterable[str]) -> None:
        self.texts = list(texts)
        masks: dict[str, int] = {}
        self.starts, self.ends, position = [], 0, 0
        for text in self.texts:
            self.starts.append(position)
            for offset, char in enumerate(text):
                masks[char] = masks.get(char, 0) | (1 << (position + offset))
            self.ends |= 1 << (position + len(text))
            position += len(text) + 2
        self.masks = masks
        self.chars = functools.reduce(int.__or__, masks.values(), 0)  # positions holding a character
        # runs[j]: positions p with p - 2**j .. p all inside one part (for spreading a `*` in doubling steps)
        valid = self.chars | self.ends
        run, self.runs, span = valid & (valid << 1), [], 1
        while span <= max(map(len, self.texts), default=0):
            self.runs.append((span, run))
            run &= run << span
            span *= 2
        # at_least[n]: the start positions of the texts of n characters or more (the last entry: none)
        longest = max(map(len, self.texts), default=0)
        self.at_least = [0] * (longest + 2)
        for text, start in zip(self.texts, self.starts, strict=True):
            self.at_least[len(text)] |= 1 << start
        for length in range(longest - 1, -1, -1):
            self.at_least[length] |= self.at_least[length + 1]
        self.finals = [1 << (start + len(text)) for text, start in zip(self.texts, self.starts, strict=True)]  # a match
        self.sorted_chars = sorted(masks)
        self.prefix = list(itertools.accumulate((masks[c] for c in self.sorted_chars), int.__or__, initial=0))

    def start_mask(self, shortest: int, longest: int | None) -> int:
        """The start positions of the texts whose length a pattern part can match."""
        top = len(self.at_least) - 1
        mask = self.at_least[min(shortest, top)]
        if longest is not None and longest < top:
            mask &= ~self.at_least[longest + 1]
        return mask

    def class_mask(self, singles: str, ranges: tuple[tuple[str, str], ...], negate: bool) -> int:
        mask = functools.reduce(int.__or__, (self.masks.get(char, 0) for char in singles), 0)
        for low, high in ranges:  # the characters of a range: a slice of the sorted ones (masks are disjoint)
            mask |= (
                self.prefix[bisect.bisect_right(self.sorted_chars, high)]
                ^ self.prefix[bisect.bisect_left(self.sorted_chars, low)]
            )
        return self.chars & ~mask if negate else mask

    def spread(self, reach: int) -> int:
        """`*`: every position from a reachable one to the end of its part."""
        for span, run in self.runs:
            reach |= (reach << span) & run
        return reach

    def matched(self, elements: tuple, bounds: tuple[int, int | None]) -> list[bool]:
        """For each text, whether the compiled pattern part matches it."""
        reach = self.start_mask(*bounds)
        masks, chars = self.masks, self.chars
        for kind, data in elements:
            if not reach:
                break
            if kind == LITERAL:
                reach = _step_word(reach, data, masks)
            elif kind == RUN:  # `count` times `?`, then `*` if star
                count, star = data
                for _ in range(count):
                    reach = (reach & chars) << 1
                if star:
                    reach = self.spread(reach)
            elif kind == CLASS:
                reach = (reach & self.class_mask(*data)) << 1
            else:  # a plain loop: this is the hottest line for a pattern of many braces
                union = 0
                for word in data:
                    union |= _step_word(reach, word, masks) if word else reach
                reach = union
        return [bool(reach & final) for final in self.finals]


@functools.lru_cache(maxsize=512)  # received addresses matched against a mapping's patterns
def _single(text: str) -> _Texts:
    return _Texts([text])


def _step_word(reach: int, word: str, masks: dict[str, int]) -> int:
    for char in word:
        reach = (reach & masks.get(char, 0)) << 1
        if not reach:
            return 0
    return reach


# One token of a pattern part: a literal run, a run of `?`/`*`, a closed class, a closed brace, or any other
# character (a stray or unclosed bracket). Each alternative is a single character class, no nesting, so the
# scan is linear; an unclosed `[` or `{` fails its alternative once and ends the compile with an error.
_TOKEN = re.compile(r"([^*?\[\]{}]+)|([*?]+)|\[([^\]]*)\]|\{([^}]*)\}|(.)", re.DOTALL)


def _compile_part(text: str, pattern: str) -> tuple[tuple, tuple[int, int | None]]:
    """The elements of one pattern part and the (shortest, longest or None) length it can match."""
    elements: list[tuple[int, object]] = []
    shortest = longest = 0
    unbounded = False  # a `*`: no longest
    for token in _TOKEN.finditer(text):
        kind, body = token.lastindex, token.group(token.lastindex)  # the alternatives do not nest
        if kind == 1:
            elements.append((LITERAL, body))
            shortest += len(body)
            longest += len(body)
        elif kind == 2:
            count = body.count("?")
            star = count < len(body)
            elements.append((RUN, (count, star)))
            shortest += count
            longest += count
            unbounded |= star
        elif kind == 3:
            elements.append((CLASS, _compile_class(body, pattern)))
            shortest += 1
            longest += 1
        elif kind == 4:
            words = tuple(sorted(set(body.split(","))))
            elements.append((BRACE, words))
            shortest += min(map(len, words))
            longest += max(map(len, words))
        elif body in "[{":
            raise ValueError(f"unclosed {body!r} in {pattern!r}")
        else:
            raise ValueError(f"unbalanced {body!r} in {pattern!r}")
    return tuple(elements), (shortest, None if unbounded else longest)


def _compile_class(body: str, pattern: str) -> tuple[str, tuple[tuple[str, str], ...], bool]:
    negate = body.startswith("!")
    body = body[1:] if negate else body
    if not body:
        raise ValueError(f"empty '[]' in {pattern!r}")
    singles, ranges, i = [], [], 0
    while i < len(body):
        if i + 2 < len(body) and body[i + 1] == "-":  # a-z; a '-' first or last is itself
            low, high = body[i], body[i + 2]
            if low > high:
                raise ValueError(f"bad range {low}-{high} in {pattern!r}")
            ranges.append((low, high))
            i += 3
        else:
            singles.append(body[i])
            i += 1
    return "".join(singles), tuple(ranges), negate


class OscPattern:
    """An OSC address pattern, compiled. ValueError when malformed (unclosed or stray brackets or braces, an
    empty or reversed class) or longer than `limit` characters (None: no limit, for benchmarks)."""

    __slots__ = ("text", "parts")

    def __init__(self, pattern: str, limit: int | None = MAX_PATTERN) -> None:
        if limit is not None and len(pattern) > limit:
            raise ValueError(f"OSC pattern of {len(pattern)} characters (at most {limit})")
        self.text = pattern
        self.parts = tuple(_compile_part(text, pattern) for text in pattern.split("/"))

    def matches(self, address: str) -> bool:
        """Whether `address` (a plain address, no wildcards) matches; one longer than MAX_PATTERN never does."""
        if len(address) > MAX_PATTERN:
            return False
        texts = address.split("/")
        if len(texts) != len(self.parts):
            return False
        pairs = zip(self.parts, texts, strict=True)
        return all(_single(text).matched(elements, bounds)[0] for (elements, bounds), text in pairs)

    def __repr__(self) -> str:
        return f"OscPattern({self.text!r})"


@functools.lru_cache(maxsize=256)
def compile_pattern(pattern: str) -> OscPattern:
    """The compiled pattern (cached: mapping files and a controller repeat theirs); ValueError if malformed."""
    return OscPattern(pattern)


def check_address(address: str) -> None:
    """For mapping files: ValueError saying why, unless `address` is an OSC address or a well-formed pattern."""
    if not address.startswith("/") or any(c in address for c in " #\0"):
        raise ValueError(f"an OSC address starts with '/' and has no space or '#': {address!r}")
    literal = [address]
    if has_wildcard(address):
        literal = [data for elements, _ in OscPattern(address).parts for kind, data in elements if kind == LITERAL]
    if any("," in text for text in literal):
        raise ValueError(f"',' belongs only between the words of a {{a,b}} in an OSC address: {address!r}")


def osc_match(pattern: str, address: str) -> bool:
    return compile_pattern(pattern).matches(address)


class PatternBudgetSpent(ValueError):
    """Refused: received patterns already took this window's share of matching time (a flood of them)."""


class AddressTable:
    """The addresses a received pattern can reach (the canonical ones and the mapped ones), grouped by their
    number of parts, with each depth's distinct parts laid out for one simulation: a pattern costs one linear
    pass per part, however many addresses the table has.

    `expand` also bounds the time a flood of patterns can take: at most BUDGET seconds of matching (CPU time of
    this thread) per WINDOW seconds of wall time; past that, patterns are refused (PatternBudgetSpent) until the
    next window."""

    # 3 ms of a 16.7 ms frame: the hostile mix of tests/test_osc_hostile.py (7 patterns) takes 1.0-1.2 ms here,
    # and past 2 ms on a loaded CI runner in 2 of 8 frames, where a budget of 2 dropped patterns a show would keep
    BUDGET = 0.003
    WINDOW = 1.0 / 60.0

    def __init__(self, addresses: Iterable[str]) -> None:
        self.addresses = list(dict.fromkeys(addresses))
        groups: dict[int, list[tuple[str, list[str]]]] = {}
        for address in self.addresses:
            texts = address.split("/")
            groups.setdefault(len(texts), []).append((address, texts))
        self._groups = {}
        for count, members in groups.items():
            depths = [_Texts(dict.fromkeys(texts[d] for _, texts in members)) for d in range(count)]
            self._groups[count] = (members, depths)
        self._window_start, self._spent = float("-inf"), 0.0

    def matching(self, pattern: OscPattern) -> list[str]:
        """The table's addresses the pattern matches, in table order."""
        if len(pattern.parts) not in self._groups:
            return []
        members, depths = self._groups[len(pattern.parts)]
        found: list[set[str]] = []
        for (elements, bounds), texts in zip(pattern.parts, depths, strict=True):
            found.append({text for text, hit in zip(texts.texts, texts.matched(elements, bounds), strict=True) if hit})
            if not found[-1]:
                return []
        return [address for address, parts in members if all(p in f for p, f in zip(parts, found, strict=True))]

    def expand(self, address: str) -> list[str]:
        """The table's addresses a received pattern matches; ValueError if it is malformed or too long,
        PatternBudgetSpent (a ValueError) if patterns used up this window's matching time."""
        clock = time.perf_counter()
        if clock - self._window_start >= self.WINDOW:
            self._window_start, self._spent = clock, 0.0
        if self._spent >= self.BUDGET:
            raise PatternBudgetSpent(f"OSC pattern matching budget of {self.BUDGET * 1e3:g} ms spent")
        work = time.thread_time()  # CPU time: being preempted by another process is not this pattern's cost
        try:
            return self.matching(compile_pattern(address))
        finally:
            self._spent += time.thread_time() - work
