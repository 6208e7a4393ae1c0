"""`performer bench-start`: how long from starting `performer play --headless --frames 1` to its first frame.

Each run starts `python -m performer.cli play --headless --frames 1 --size WxH` as a new process in an empty
folder and times it from the start to the line play prints once the frame is shown ("showed 1 frame(s)
..."), and to the process's exit (print worker and ports closed). With --compare DIR the runs alternate
between this tree and the one in DIR (DIR/.venv/bin/python if there is one, else this python; PYTHONPATH=DIR
either way, checked to be the code that runs), in the order ABBA..., so that before and after are measured
in one run under the same load.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from performer.cli_types import parse_size
from performer.paths import ROOT

FIRST_FRAME_LINE = "showed "  # what `play --headless` prints once its frames are shown
MAX_RUNS = 50


class StartError(Exception):
    """A tree that cannot be timed; the message names it and says why."""


@dataclass(frozen=True)
class Tree:
    root: Path
    python: str

    def env(self) -> dict[str, str]:
        return {**os.environ, "PYTHONPATH": str(self.root), "PYTHONUNBUFFERED": "1"}

    def check(self, cwd: Path) -> None:
        """The code this tree's python imports as `performer` from `cwd` must be the tree's own (not an
        installed copy, nor a checkout in cwd: python puts cwd before PYTHONPATH)."""
        result = subprocess.run(
            [self.python, "-c", "import performer; print(performer.__file__)"],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=60,
            cwd=cwd,
        )
        found = result.stdout.strip()
        expected = self.root / "performer" / "__init__.py"
        if result.returncode != 0 or Path(found).resolve() != expected.resolve():
            why = found or (result.stderr.strip().splitlines() or ["no output"])[-1]
            raise StartError(f"{self.root}: `import performer` gives {why}, not {expected}")


def tree_at(root: Path) -> Tree:
    venv_python = root / ".venv" / "bin" / "python"
    return Tree(root.resolve(), str(venv_python) if venv_python.is_file() else sys.executable)


def time_start(tree: Tree, size: tuple[int, int], timeout: float, cwd: Path) -> tuple[float, float]:
    """(seconds to the first frame, seconds to exit) of one `play --headless --frames 1`."""
    size_text = f"{size[0]}x{size[1]}"
    command = [tree.python, "-m", "performer.cli", "play", "--headless", "--frames", "1", "--size", size_text]
    first_frame: list[float] = []
    with tempfile.TemporaryFile("w+") as stderr:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, env=tree.env(), stdout=subprocess.PIPE, stderr=stderr, text=True)

        def watch() -> None:
            for line in process.stdout:
                if line.startswith(FIRST_FRAME_LINE) and not first_frame:
                    first_frame.append(time.perf_counter() - start)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise StartError(f"{tree.root}: play did not finish within {timeout:g} s") from None
        exited = time.perf_counter() - start
        watcher.join(5)
        if process.returncode != 0 or not first_frame:
            stderr.seek(0)
            last = (stderr.read().strip().splitlines() or ["no error output"])[-1]
            raise StartError(f"{tree.root}: play exited with {process.returncode} before a frame: {last}")
    return first_frame[0], exited


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("bench-start", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=5, help=f"runs per tree, 1..{MAX_RUNS} (default 5; medians reported)")
    p.add_argument("--size", type=parse_size, default=(640, 360), help="frame size WxH (default 640x360)")
    p.add_argument("--compare", type=Path, metavar="DIR", help="another checkout to time in the same run")
    p.add_argument("--timeout", type=float, default=120.0, help="seconds one run may take (default 120)")
    return p


def run(args: argparse.Namespace) -> int:
    if not 1 <= args.runs <= MAX_RUNS or args.timeout <= 0:
        print(f"error: --runs must be 1..{MAX_RUNS} and --timeout > 0", file=sys.stderr)
        return 2
    trees = [tree_at(ROOT)] + ([tree_at(args.compare)] if args.compare else [])
    times: dict[Path, list[tuple[float, float]]] = {tree.root: [] for tree in trees}
    with tempfile.TemporaryDirectory(prefix="performer-bench-start-") as folder:
        try:
            for tree in trees:
                tree.check(Path(folder))
        except (StartError, OSError, subprocess.TimeoutExpired) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        width, height = args.size
        alternating = ", alternating" if len(trees) > 1 else ""
        print(
            f"start to first frame of `performer play --headless --frames 1 --size {width}x{height}`, "
            f"{args.runs} run(s) per tree{alternating}"
        )
        for number in range(1, args.runs + 1):
            for tree in trees[::-1] if number % 2 else trees:  # ABBA...: the other tree first
                try:
                    first, exited = time_start(tree, args.size, args.timeout, Path(folder))
                except StartError as exc:
                    print(f"error: {exc}", file=sys.stderr)
                    return 1
                times[tree.root].append((first, exited))
                print(f"run {number}  {tree.root}  first frame {first:.3f} s  exit {exited:.3f} s", flush=True)
    medians = {}
    for root, runs in times.items():
        first, exited = (statistics.median(column) for column in zip(*runs, strict=True))
        medians[root] = first
        print(f"median  {root}  first frame {first:.3f} s  exit {exited:.3f} s")
    if len(trees) > 1:
        this, other = medians[trees[0].root], medians[trees[1].root]
        change = "sooner" if this <= other else "later"
        print(f"this tree's first frame: {abs(other - this):.3f} s {change} ({100 * abs(other - this) / other:.0f}%)")
    return 0
