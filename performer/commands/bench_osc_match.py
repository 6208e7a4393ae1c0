"""`performer bench-osc-match`: what matching a hostile OSC address pattern costs, by pattern length.

Adversarial families (runs of stars, stars in two parts, star-letter alternations, `?*` runs, classes, braces
that may match nothing, wide braces, random mixes) at lengths doubling from 16 characters to the longest
address a datagram can carry. Each is matched the way the server does it (compiled, at most the pattern cap,
then against the whole address table: the canonical /performer space and the shipped touchosc.yaml), and
again without the cap, to show how the matcher itself grows. Times are CPU time (other processes on the
machine do not count), the least of --repeats runs, a fresh pattern each time (no cache helps).

Printed: per length, the worst family with the cap and without it; the worst case with the cap (what one
datagram can cost); the fitted exponent of time against length without the cap (1 is linear). The exit code
is 1 if the worst case with the cap reaches 1 ms or the exponent exceeds 1.2.
"""

from __future__ import annotations

import argparse
import math
import random
import time
from collections.abc import Callable

from performer.paths import MAPPING_DIR

HEAD = "/performer/"
MAPPING = MAPPING_DIR / "touchosc.yaml"
WORST_LIMIT_S = 1e-3
EXPONENT_LIMIT = 1.2
FIT_FROM = 256  # shorter patterns cost mostly the fixed overhead of a call
TAILS = ("", "q", "r", "s", "t", "u", "v", "w")  # a different last character per run


def largest_address() -> int:
    """The longest address that fits a datagram with one float argument: pad4(address + NUL) + ",f" tags
    (4 bytes) + the float (4 bytes) <= the datagram limit."""
    from performer.controls.osc_server import MAX_DATAGRAM

    return MAX_DATAGRAM // 4 * 4 - 8 - 1


def _in_part(unit: str) -> Callable[[int, random.Random], str]:
    """`unit` repeated as the third part of /performer/*/..., about `size` characters in all."""
    return lambda size, rng: HEAD + "*/" + unit * max(1, (size - len(HEAD) - 2) // len(unit))


def _stars(size: int, rng: random.Random) -> str:
    return HEAD + "*" * max(1, size - len(HEAD) - 1) + "x"  # the datagram, at any length


def _two_star_runs(size: int, rng: random.Random) -> str:
    run = "*" * max(1, (size - len(HEAD) - 2) // 2)
    return HEAD + run + "m/" + run + "x"


def _wide_braces(size: int, rng: random.Random) -> str:
    words = ",".join(f"z{i}" for i in range(size // 2))[: max(1, size - len(HEAD) - 4)].rstrip(",")
    return HEAD + "*/{" + words + "}"


def _mix(size: int, rng: random.Random) -> str:
    tokens = ("*", "?", "[a-z]", "[!x]", "{,p}", "{a,ar,param}", "a", "r", "*[!q]")
    out, length = [HEAD, "*/"], len(HEAD) + 2
    while length < size:
        out.append(rng.choice(tokens))
        length += len(out[-1])
    return "".join(out)


FAMILIES: dict[str, Callable[[int, random.Random], str]] = {
    "stars": _stars,
    "two star runs": _two_star_runs,
    "star-letter": _in_part("*a"),
    "?*": _in_part("?*"),
    "classes": _in_part("*[a-z]?"),
    "empty braces": _in_part("{,a}"),
    "wide braces": _wide_braces,
    "mix": _mix,
}


def table_addresses() -> list[str]:
    from performer.controls.mapping_schema import MappingError, load_mapping
    from performer.targets import canonical_addresses

    addresses = list(canonical_addresses())
    try:
        addresses += [c.osc for c in load_mapping(MAPPING).controls if c.osc]
    except (OSError, MappingError):
        pass  # the canonical space alone
    return addresses


def cpu_seconds(function: Callable[[str], object], texts: list[str]) -> float:
    """The least CPU time of function(text) over the texts (a fresh pattern each run: no cache helps)."""
    best = math.inf
    for text in texts:
        start = time.thread_time()
        function(text)
        best = min(best, time.thread_time() - start)
    return best


def server_path(table, text: str) -> None:
    """What the hub does with a received pattern: compile (refused past the cap), then match the table."""
    from performer.controls.osc_pattern import OscPattern

    try:
        table.matching(OscPattern(text))
    except ValueError:
        pass


def uncapped(table, text: str) -> None:
    from performer.controls.osc_pattern import OscPattern

    table.matching(OscPattern(text, limit=None))


def fitted_exponent(lengths: list[int], seconds: list[float]) -> float:
    """The slope of log(time) against log(length), least squares."""
    import numpy as np

    return float(np.polyfit(np.log(lengths), np.log(seconds), 1)[0])


def bench(repeats: int = 5, seed: int = 3) -> dict:
    from performer.controls.osc_pattern import MAX_PATTERN, AddressTable

    table = AddressTable(table_addresses())
    top = largest_address() - 1  # room for a tail
    lengths = [n for n in (2**k for k in range(4, 17)) if n < top] + [top]
    rows, per_family = [], {name: [] for name in FAMILIES}
    worst = (0.0, "", 0)
    for length in lengths:
        capped_row, free_row = [], []
        for name, family in FAMILIES.items():
            base = family(length, random.Random(seed + length))
            texts = [base + tail for tail in TAILS[:repeats]]
            capped = cpu_seconds(lambda text: server_path(table, text), texts)
            free = cpu_seconds(lambda text: uncapped(table, text), texts)
            capped_row.append((capped, name))
            free_row.append((free, name))
            per_family[name].append(free)
            if capped > worst[0]:
                worst = (capped, name, len(base))
        rows.append((length, max(capped_row), max(free_row)))
    fit_lengths = [n for n in lengths if n >= FIT_FROM]
    exponents = {name: fitted_exponent(fit_lengths, times[-len(fit_lengths) :]) for name, times in per_family.items()}
    return {
        "addresses": len(table.addresses),
        "cap": MAX_PATTERN,
        "repeats": repeats,
        "rows": rows,
        "worst": worst,
        "exponents": exponents,
    }


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "bench-osc-match", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--repeats", type=int, default=5, help="runs per pattern (the least CPU time is kept), 1..8")
    return p


def run(args: argparse.Namespace) -> int:
    if not 1 <= args.repeats <= 8:
        print("error: --repeats must be 1..8")
        return 2
    result = bench(args.repeats)
    print(
        f"table: {result['addresses']} addresses; pattern cap {result['cap']} characters; "
        f"CPU time, least of {result['repeats']} runs"
    )
    print()
    print("| length | worst with the cap (us) | family | worst without the cap (us) | family | us per character |")
    print("|---:|---:|---|---:|---|---:|")
    for length, (capped, capped_name), (free, free_name) in result["rows"]:
        print(
            f"| {length} | {capped * 1e6:.1f} | {capped_name} | {free * 1e6:.1f} | {free_name} | "
            f"{free * 1e6 / length:.3f} |"
        )
    print()
    exponents = result["exponents"]
    print(
        f"time ~ length^k without the cap (lengths {FIT_FROM}..{result['rows'][-1][0]}): "
        + ", ".join(f"{name} {k:.2f}" for name, k in exponents.items())
    )
    seconds, name, length = result["worst"]
    print(
        f"worst case with the cap: {seconds * 1e3:.3f} ms ({name}, {length} characters, "
        f"against all {result['addresses']} addresses); largest exponent {max(exponents.values()):.2f}"
    )
    ok = seconds < WORST_LIMIT_S and max(exponents.values()) <= EXPONENT_LIMIT
    print(
        "ok"
        if ok
        else f"FAILED: the worst must stay under {WORST_LIMIT_S * 1e3:g} ms and the exponent at most {EXPONENT_LIMIT}"
    )
    return 0 if ok else 1
