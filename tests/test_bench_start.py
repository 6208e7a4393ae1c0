"""performer bench-start: start to first frame of `play --headless --frames 1`, timed from outside the process.
A fake checkout whose `performer.cli` sleeps known times checks the clock; one real run checks the command."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest

from performer.commands.bench_start import StartError, time_start, tree_at
from performer.paths import ROOT

FAKE_CLI = """import sys, time
time.sleep({before})
print("showed 1 frame(s), 1 rendered, at " + sys.argv[-1])
time.sleep({after})
sys.exit({code})
"""


def fake_tree(folder: Path, before: float, after: float, code: int = 0) -> Path:
    (folder / "performer").mkdir(parents=True)
    (folder / "performer" / "__init__.py").write_text("")
    (folder / "performer" / "cli.py").write_text(FAKE_CLI.format(before=before, after=after, code=code))
    return folder


def bench_start(*args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "performer.cli", "bench-start", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=ROOT)


def test_the_first_frame_is_timed_at_its_line_and_the_exit_after_it(tmp_path):
    tree = tree_at(fake_tree(tmp_path / "fake", before=0.4, after=0.5))
    tree.check(tmp_path)
    first, exited = time_start(tree, (32, 18), timeout=30, cwd=tmp_path)
    assert 0.4 <= first < 0.4 + 3.0  # the sleep before the line, plus starting python (well under 3 s)
    assert exited - first >= 0.5 - 0.05  # the line is read as it is printed, not when the process ends


def test_a_run_that_fails_or_hangs_says_which_tree_and_why(tmp_path):
    crash = tree_at(fake_tree(tmp_path / "crash", before=0.0, after=0.0, code=3))
    with pytest.raises(StartError, match="exited with 3") as failed:
        time_start(crash, (32, 18), timeout=30, cwd=tmp_path)
    assert str(tmp_path / "crash") in str(failed.value)
    slow = tree_at(fake_tree(tmp_path / "slow", before=10.0, after=0.0))
    started = time.perf_counter()
    with pytest.raises(StartError, match="did not finish within 1 s"):
        time_start(slow, (32, 18), timeout=1.0, cwd=tmp_path)
    assert time.perf_counter() - started < 5  # killed at the timeout, not waited for


def test_a_folder_that_is_not_a_checkout_is_refused_before_any_run(tmp_path):
    result = bench_start("--compare", str(tmp_path), "--runs", "1")
    assert result.returncode == 2 and result.stdout == ""
    assert str(tmp_path) in result.stderr and "import performer" in result.stderr


def test_runs_alternate_with_the_other_tree_and_medians_are_of_the_runs(tmp_path):
    fake = fake_tree(tmp_path / "fake", before=0.3, after=0.1)
    result = bench_start("--runs", "2", "--size", "32x18", "--compare", str(fake))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("start to first frame of `performer play --headless --frames 1 --size 32x18`")
    runs = [line.split() for line in lines if line.startswith("run ")]
    order = [(words[1], words[2]) for words in runs]
    assert order == [("1", str(fake)), ("1", str(ROOT)), ("2", str(ROOT)), ("2", str(fake))]  # ABBA
    firsts = {str(fake): [], str(ROOT): []}
    for words in runs:
        first, exited = float(words[5]), float(words[8])
        assert 0 < first <= exited
        firsts[words[2]].append(first)
    medians = {line.split()[1]: float(line.split()[4]) for line in lines if line.startswith("median ")}
    for tree, values in firsts.items():
        assert abs(medians[tree] - statistics.mean(values)) <= 0.0011  # the median of two is their mean
    assert all(value >= 0.3 for value in firsts[str(fake)])
    this, other = medians[str(ROOT)], medians[str(fake)]
    words = lines[-1].split()
    assert words[:4] == ["this", "tree's", "first", "frame:"] and abs(float(words[4]) - abs(other - this)) <= 0.0021
    assert words[6] == ("sooner" if this <= other else "later")
