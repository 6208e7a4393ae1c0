"""performer bench-train through the CLI: it times real training steps and refuses a non-checkout."""

from __future__ import annotations

import re
import subprocess
import sys


def bench_train(*extra: str) -> subprocess.CompletedProcess:
    argv = [sys.executable, "-m", "performer.cli", "bench-train", "--steps", "2", "--warmup", "0", "--rounds", "1"]
    return subprocess.run([*argv, "--batch-size", "4", *extra], capture_output=True, text=True, timeout=120)


def test_times_training_steps():
    done = bench_train()
    assert done.returncode == 0, done.stderr
    found = re.search(r"this tree: ([0-9.]+) CPU-s a step .* (\d+) steps a CPU-minute", done.stdout)
    assert found, done.stdout
    step, per_minute = float(found.group(1)), int(found.group(2))
    assert 0.0 < step < 30.0
    assert abs(per_minute * step - 60) <= 6  # what a CPU-minute buys follows from the step (3 printed decimals)


def test_compare_needs_a_checkout(tmp_path):
    done = bench_train("--compare", str(tmp_path))
    assert done.returncode == 2
    assert "not a checkout of performer" in done.stdout
