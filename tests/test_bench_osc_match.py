"""`performer bench-osc-match` through the command line: hostile patterns up to the datagram limit, the worst
case with the cap under 1 ms, time linear in the length without it."""

from __future__ import annotations

import re
import subprocess
import sys

from performer.commands.bench_osc_match import FAMILIES, largest_address
from performer.controls.osc_decode import parse_message
from performer.controls.osc_pattern import OscPattern
from performer.soak_inputs import osc_message


def test_the_longest_length_is_the_longest_address_a_datagram_carries():
    longest = largest_address()
    assert len(osc_message("/" + "a" * (longest - 1), 1.0)) <= 65535
    assert len(osc_message("/" + "a" * longest, 1.0)) > 65535
    assert parse_message(osc_message("/" + "*" * (longest - 1), 1.0))[0] == "/" + "*" * (longest - 1)


def test_every_family_is_a_wellformed_pattern_of_about_the_length_asked():
    import random

    for name, family in FAMILIES.items():
        for length in (64, 4096):
            text = family(length, random.Random(1))
            OscPattern(text, limit=None)  # well formed: the matcher runs, not the refusal
            assert 0.8 * length <= len(text) <= length + 16, (name, length, len(text))


def test_the_command_prints_the_worst_case_and_the_growth():
    command = [sys.executable, "-m", "performer.cli", "bench-osc-match", "--repeats", "3"]
    run = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    rows = re.findall(r"^\| (\d+) \| ([\d.]+) \| [^|]+ \| ([\d.]+) \|", run.stdout, re.M)
    lengths = [int(r[0]) for r in rows]
    assert lengths[0] == 16 and lengths[-1] == largest_address() - 1 and len(lengths) == 13
    worst = float(re.search(r"worst case with the cap: ([\d.]+) ms", run.stdout).group(1))
    assert worst < 1.0 and abs(worst * 1e3 - max(float(r[1]) for r in rows)) <= 1.0  # ms vs the table's us
    growth = next(line for line in run.stdout.splitlines() if line.startswith("time ~ length^k"))
    exponents = [float(k) for k in re.findall(r" (-?\d+\.\d\d)(?=,|$)", growth.split("):", 1)[1])]
    assert len(exponents) == len(FAMILIES) and max(exponents) <= 1.2, exponents
    free = [float(r[2]) for r in rows]
    assert free[-1] > 100 * free[4]  # 256x the length (256 -> 65522) costs far more: the cap is what bounds it
