"""OSC address patterns: OSC 1.0 semantics (checked against a regular-expression reference on small inputs),
malformed patterns refused, the issue's hostile patterns matched at once, and time linear in the length."""

import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from performer.controls.osc_pattern import (
    MAX_PATTERN,
    AddressTable,
    OscPattern,
    PatternBudgetSpent,
    check_address,
    osc_match,
)
from performer.targets import canonical_addresses

TOKENS = ["a", "b", "c", "/", "?", "*", "**", "[ab]", "[!a]", "[a-b]", "[!b-c]", "[-a]", "{a,ab}", "{,b}", "{bc}"]
TOKENS += ["{}", "{a,,c}"]


def reference(pattern: str) -> re.Pattern:
    """OSC 1.0 by the book, as a backtracking regular expression: fine for a handful of characters."""
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if c == "?":
            out.append("[^/]")
        elif c == "*":
            out.append("[^/]*")
        elif c == "[":
            end = pattern.index("]", i)
            body = pattern[i + 1 : end]
            negate = body.startswith("!")
            body = body[1:] if negate else body
            escaped = "".join("-" if ch == "-" else re.escape(ch) for ch in body)
            out.append("[" + ("^/" if negate else "") + escaped + "]")
            i = end
        elif c == "{":
            end = pattern.index("}", i)
            out.append("(?:" + "|".join(re.escape(w) for w in pattern[i + 1 : end].split(",")) + ")")
            i = end
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out) + r"\Z")


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=8), st.lists(st.text("abc/", max_size=7), min_size=1, max_size=6))
def test_same_answers_as_the_reference(tokens, addresses):
    text = "/" + "".join(tokens)
    addresses = ["/" + a for a in addresses]
    expected = [a for a in dict.fromkeys(addresses) if reference(text).match(a)]
    pattern = OscPattern(text)
    assert [a for a in dict.fromkeys(addresses) if pattern.matches(a)] == expected, text
    assert AddressTable(addresses).matching(pattern) == expected, text  # all addresses at once, same answer


def test_semantics_by_example():
    assert osc_match("/performer/z/[1-3]", "/performer/z/2") and not osc_match("/performer/z/[1-3]", "/performer/z/4")
    assert osc_match("/performer/z/[!1-3]", "/performer/z/4") and not osc_match("/performer/z/[!1-3]", "/performer/z/1")
    assert osc_match("/1/{push,fader}?", "/1/push1") and not osc_match("/1/{push,fader}?", "/1/pushed")
    assert osc_match("/performer/*/8", "/performer/z/8") and not osc_match("/performer/*", "/performer/z/8")
    assert osc_match("/a/*b*", "/a/b") and osc_match("/a/??*", "/a/xy") and not osc_match("/a/??*", "/a/x")
    assert osc_match("/a/[a-]", "/a/-") and osc_match("/a/{}x", "/a/x")  # a '-' last is itself; {} is empty
    assert not osc_match("/a/?", "/a/" + "b" * (MAX_PATTERN + 1))  # an address over the cap matches no pattern


MALFORMED = ["/performer/z/[oops", "/a/{b,c", "/a/b]", "/a/}", "/a/[]", "/a/[!]", "/a/[z-a]", "/a/[b/c]"]


@pytest.mark.parametrize("text", [*MALFORMED, "/" + "?" * MAX_PATTERN])
def test_malformed_or_too_long_patterns_are_refused(text):
    with pytest.raises(ValueError):
        OscPattern(text)


def test_mapping_file_addresses_are_checked_by_the_same_matcher():
    check_address("/1/{push,fader}[1-4]")
    for bad, why in (("/1/[oops", "unclosed"), ("/a,b", "','"), ("/1/fader 1", "space"), ("1/fader", "'/'")):
        with pytest.raises(ValueError, match=why):
            check_address(bad)


def cpu_seconds(function, repeats: int = 5) -> float:
    """The least CPU time of a few runs (CPU time, so that other processes on this machine do not count)."""
    best = float("inf")
    for _ in range(repeats):
        start = time.thread_time()
        function()
        best = min(best, time.thread_time() - start)
    return best


HOSTILE = [
    "/performer/" + "*" * 30 + "x",  # the issue's: a run of 30 stars stalled the loop for 20 s
    "/performer/" + "*" * 20 + "x/" + "*" * 20 + "y",  # two runs of 20 stars: longer than anyone waited
    "/performer/" + "*a" * 60 + "b",
    "/performer/*/" + "{,a}" * 55,
    "/*/*/" + "*[a-z]?" * 35,
    "/performer/param/" + "*{a,ar,param,e}[!q]" * 12,
]


def test_the_issues_patterns_against_the_whole_table_take_well_under_a_millisecond():
    table = AddressTable(canonical_addresses())
    for text in HOSTILE:
        assert len(text) <= MAX_PATTERN
        seconds = cpu_seconds(lambda text=text: table.matching(OscPattern(text)))
        assert seconds < 1e-3, (text, seconds)
    assert table.matching(OscPattern("/performer/*/*")) == [a for a in table.addresses if a.count("/") == 3]


def test_time_grows_linearly_with_the_pattern_length():
    """Without the cap, 16 times the length costs about 16 times the time, never the square of it."""
    table = AddressTable(canonical_addresses())
    for unit in ("*a", "{,a}", "*[a-z]?", "?*"):
        short, long = (("/performer/*/" + unit * (n // len(unit))) for n in (1024, 16384))
        long_seconds = cpu_seconds(lambda p=long: table.matching(OscPattern(p, limit=None)))
        ratio = long_seconds / cpu_seconds(lambda p=short: table.matching(OscPattern(p, limit=None)))
        assert ratio < 16 * 2, (unit, ratio)  # linear is 16; quadratic would be 256


def test_a_flood_of_patterns_gets_a_bounded_share_of_time():
    table = AddressTable(canonical_addresses())
    accepted_seconds, worst, refused = 0.0, 0.0, 0
    start = time.perf_counter()
    for i in range(2000):  # each a new pattern, so no cache helps
        before = time.perf_counter()
        try:
            table.expand("/performer/*/" + "{,a}" * 50 + f"{i}")
        except PatternBudgetSpent:
            refused += 1
            continue
        spent = time.perf_counter() - before
        accepted_seconds, worst = accepted_seconds + spent, max(worst, spent)
    windows = (time.perf_counter() - start) / AddressTable.WINDOW + 1
    assert refused > 0
    assert accepted_seconds <= windows * (AddressTable.BUDGET + worst)  # at most the budget (+1) per window
