"""A training recipe: the runs that make a model, in one YAML file, for `performer train --recipe FILE`.

The shipped model is two runs (a long one from scratch, then a fine-tune of what it exported); a recipe names
them so that one command makes the model again. Each stage is `performer train`'s own flags as keys (dashes
or underscores), so this module knows nothing of what they mean: the command's parser checks them. Running
the command again after a stop carries on: a stage whose done-marker matches its flags is skipped, one whose
checkpoint is there resumes it (a fine-tune's `init` becomes `--resume`, and its critic warm-up is kept).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import yaml

from performer.safe_files import atomic_write_text, read_bounded_text
from performer.train.config import TrainConfig

MAX_RECIPE_BYTES = 16 * 1024
MAX_STAGES = 16
DONE_MARKER = "recipe-stage.json"  # in a stage's --out folder once its export is written
REQUIRED = ("out", "export")  # every stage leaves a model file the next one (or the show) can take


class RecipeError(ValueError):
    """A recipe that cannot be run; str() is one line naming the file (and stage)."""


@dataclass(frozen=True)
class Stage:
    number: int  # 1-based, as people count them
    flags: dict[str, object]  # flag name (dashes) -> value, in the file's order

    @property
    def out(self) -> Path:
        return Path(str(self.flags["out"]))

    def argv(self, resume: bool = False) -> list[str]:
        """`performer train` arguments for this stage; `resume` carries on its checkpoint instead of starting."""
        flags = dict(self.flags)
        if resume:
            if "init" in flags:  # the file it started from is in the checkpoint already; keep its warm-up
                del flags["init"]
                flags.setdefault("critic-warmup-steps", flags.get("adv-warmup-steps", TrainConfig().adv_warmup_steps))
            flags["resume"] = str(self.out / "checkpoint.safetensors")
        argv = ["train"]
        for name, value in flags.items():
            if value is True:
                argv.append(f"--{name}")
            elif value is False:
                argv.append(f"--no-{name}")
            else:
                argv += [f"--{name}", str(value)]
        return argv

    def done(self) -> bool:
        """Whether this stage ran to its export with these very flags (a marker from another recipe is stale)."""
        marker = self.out / DONE_MARKER
        try:
            return json.loads(read_bounded_text(marker, MAX_RECIPE_BYTES, "recipe marker")) == self.argv()
        except (OSError, ValueError):
            return False

    def mark_done(self) -> None:
        atomic_write_text(self.out / DONE_MARKER, json.dumps(self.argv()), "recipe marker")

    def resumable(self) -> bool:
        return (self.out / "checkpoint.safetensors").is_file()


def parse_recipe(text: str, source: str) -> list[Stage]:
    """The stages of a recipe's YAML `text`; RecipeError names `source` (and the stage) on anything wrong."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise RecipeError(f"{source}{where}: not YAML ({getattr(exc, 'problem', None) or exc})") from None
    if not isinstance(data, dict) or set(data) != {"stages"}:
        raise RecipeError(f"{source}: a recipe is a mapping with one key, 'stages' (a list of runs)")
    stages = data["stages"]
    if not isinstance(stages, list) or not 1 <= len(stages) <= MAX_STAGES:
        raise RecipeError(f"{source}: 'stages' is a list of 1 to {MAX_STAGES} runs")
    parsed = []
    for number, stage in enumerate(stages, start=1):
        if not isinstance(stage, dict):
            raise RecipeError(f"{source} stage {number}: a stage is a mapping of `performer train` flags")
        flags = {}
        for key, value in stage.items():
            name = str(key).replace("_", "-")
            if name in ("resume", "recipe"):
                raise RecipeError(f"{source} stage {number}: '{key}' is the recipe's own to set")
            if value is None or not isinstance(value, (str, int, float, bool)):
                raise RecipeError(f"{source} stage {number}: '{key}' needs one value (text, number or true/false)")
            flags[name] = value
        missing = [name for name in REQUIRED if name not in flags]
        if missing:
            raise RecipeError(f"{source} stage {number}: names no {' or '.join(missing)}")
        parsed.append(Stage(number, flags))
    outs = [stage.out for stage in parsed]
    if len(set(outs)) != len(outs):
        raise RecipeError(f"{source}: two stages share an 'out' folder (their checkpoints would mix)")
    return parsed


def load_recipe(path: str | Path) -> list[Stage]:
    try:
        text = read_bounded_text(path, MAX_RECIPE_BYTES, "recipe")
    except (OSError, ValueError) as exc:
        raise RecipeError(f"{path}: {exc}") from None
    return parse_recipe(text, str(path))
