"""`performer bench-train`: CPU time of one training step (median over --steps after --warmup), and what a
CPU-minute buys, for the training options given (the critic on from the first step, as after warm-up).
`--compare DIR` times another checkout's training step in the same run, alternating, for A/B claims."""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

PROBE = """
import json, sys, time, torch
torch.set_num_threads(1)
sys.path.insert(0, sys.argv[1])
import performer
assert performer.__file__.startswith(sys.argv[1]), performer.__file__  # the tree asked for, not the installed one
from performer.model.config import ModelConfig
from performer.train.config import TrainConfig
from performer.train.loop import Trainer
model, train = json.loads(sys.argv[2]), json.loads(sys.argv[3])
def known(cls, values):  # an older checkout may lack newer options; they are at their defaults there
    return cls(**{k: v for k, v in values.items() if k in cls.__dataclass_fields__})
trainer = Trainer(known(ModelConfig, model), known(TrainConfig, train), torch.device("cpu"))
real = torch.rand(train["batch_size"], 1, 28, 28)
times = []
for _ in range(int(sys.argv[4]) + int(sys.argv[5])):
    start = time.process_time()
    trainer.train_step(real)
    times.append(time.process_time() - start)
print(json.dumps(times[int(sys.argv[4]):]))
"""


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("bench-train", description=__doc__)
    p.add_argument("--steps", type=int, default=20, help="steps timed (default 20)")
    p.add_argument("--warmup", type=int, default=5, help="steps run first and not timed (default 5)")
    p.add_argument("--rounds", type=int, default=2, help="alternating rounds per tree (default 2)")
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--recon-adv-weight", type=float, default=30.0)
    p.add_argument("--ema-decay", type=float, default=0.999)
    p.add_argument("--feature-recon-weight", type=float, default=0.0)
    p.add_argument("--sine-units", type=int, default=0)
    p.add_argument("--hidden", type=int, default=32)
    p.add_argument("--compare", type=Path, help="another checkout of performer, timed in the same run")
    return p


def run(args: argparse.Namespace) -> int:
    model = {"cppn_hidden": args.hidden, "cppn_sine_units": args.sine_units}
    train = {
        "batch_size": args.batch_size,
        "adv_warmup_steps": 0,
        "recon_adv_weight": args.recon_adv_weight,
        "ema_decay": args.ema_decay,
        "feature_recon_weight": args.feature_recon_weight,
    }
    trees = {"this tree": Path(__file__).resolve().parents[2]}
    if args.compare:
        if not (args.compare / "performer" / "train" / "loop.py").is_file():
            print(f"error: {args.compare} is not a checkout of performer (no performer/train/loop.py)")
            return 2
        trees["compare"] = args.compare.resolve()
    medians: dict[str, list[float]] = {name: [] for name in trees}
    for _ in range(max(1, args.rounds)):
        for name, root in trees.items():
            argv = [sys.executable, "-c", PROBE, str(root), json.dumps(model), json.dumps(train)]
            done = subprocess.run([*argv, str(args.warmup), str(args.steps)], capture_output=True, text=True)
            if done.returncode:
                print(f"error: {name} ({root}): {done.stderr.strip().splitlines()[-1:]}")
                return 2
            medians[name].append(statistics.median(json.loads(done.stdout)))
    for name, values in medians.items():
        step = statistics.median(values)
        rounds = ", ".join(f"{v:.3f}" for v in values)
        print(f"{name}: {step:.3f} CPU-s a step (rounds {rounds}), {60 / step:.0f} steps a CPU-minute")
    if args.compare:
        ratio = statistics.median(medians["this tree"]) / statistics.median(medians["compare"])
        print(f"this tree / compare: {ratio:.3f}")
    return 0
