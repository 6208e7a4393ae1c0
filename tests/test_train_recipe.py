"""`performer train --recipe FILE`: the runs that make a model, one after another, carried on after a stop."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from performer.cli import main
from performer.model.checkpoint import load_model
from performer.train.recipe import RecipeError, load_recipe, parse_recipe


def write_folder(folder, count=4):
    folder.mkdir()
    rng = np.random.default_rng(0)
    for index in range(count):
        Image.fromarray(rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)).save(folder / f"{index}.png")


def write_recipe(tmp_path, second_stage_extra=""):
    data = tmp_path / "looks"
    write_folder(data)
    first, final = tmp_path / "base.safetensors", tmp_path / "model.safetensors"
    recipe = tmp_path / "recipe.yaml"
    common = f"data: {data}\n    image-size: 16\n    batch-size: 2\n    grid-size: 2"
    recipe.write_text(
        f"""stages:
  - out: {tmp_path / "base"}
    export: {first}
    {common}
    max-steps: 2
    adv-warmup-steps: 0
  - out: {tmp_path / "fine"}
    init: {first}
    export: {final}
    {common}
    max-steps: 3
    between-pixel-weight: 5
{second_stage_extra}"""
    )
    return recipe, first, final


def test_a_recipe_runs_its_stages_in_turn_and_a_second_run_carries_on(tmp_path, capsys):
    recipe, first, final = write_recipe(tmp_path)
    assert main(["train", "--recipe", str(recipe)]) == 0
    printed = capsys.readouterr().out
    assert "recipe stage 1/2: performer train --out" in printed and "recipe stage 2/2" in printed
    assert "fine-tuning" in printed  # stage 2 started from stage 1's file
    assert load_model(first).config.image_size == 16 and load_model(final).config.image_size == 16
    made = final.read_bytes()

    assert main(["train", "--recipe", str(recipe)]) == 0  # both done: nothing runs, nothing is written
    assert capsys.readouterr().out.count("done before") == 2
    assert final.read_bytes() == made

    (tmp_path / "fine" / "recipe-stage.json").unlink()  # as if stopped after its checkpoint
    assert main(["train", "--recipe", str(recipe)]) == 0
    printed = capsys.readouterr().out
    second = next(line for line in printed.splitlines() if line.startswith("recipe stage 2/2"))
    assert "--resume" in second and "--init" not in second and "--critic-warmup-steps 500" in second
    assert "resuming" in printed and printed.count("done before") == 1


def test_a_bad_flag_in_a_later_stage_stops_the_recipe_before_the_first_runs(tmp_path, capsys):
    recipe, first, _ = write_recipe(tmp_path, "    between-pixels: 5\n")
    assert main(["train", "--recipe", str(recipe)]) == 2
    assert "stage 2: a flag above is not `performer train`'s" in capsys.readouterr().out
    assert not first.exists() and not (tmp_path / "base").exists()


def test_flags_beside_a_recipe_are_refused(tmp_path, capsys):
    recipe, _, _ = write_recipe(tmp_path)
    assert main(["train", "--recipe", str(recipe), "--max-steps", "9"]) == 2
    assert "given here too: max_steps" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("stages: [{out: a, export: b}]\nextra: 1\n", "one key, 'stages'"),
        ("stages: []\n", "list of 1 to 16 runs"),
        ("stages: [{out: a}]\n", "stage 1: names no export"),
        ("stages: [{out: a, export: b}, {out: a, export: c}]\n", "share an 'out' folder"),
        ("stages: [{out: a, export: b, lr: [1, 2]}]\n", "stage 1: 'lr' needs one value"),
        ("stages: [{out: a, export: b, resume: c}]\n", "'resume' is the recipe's own"),
        ("stages:\n  - out: a\n    export: [b\n", "recipe.yaml line 4: not YAML"),
    ],
)
def test_a_malformed_recipe_is_one_line_naming_file_and_stage(text, message):
    with pytest.raises(RecipeError, match="^recipe.yaml") as caught:
        parse_recipe(text, "recipe.yaml")
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_stage_flags_become_the_train_command_line():
    (stage,) = parse_recipe("stages: [{out: r, export: m, sub_pixel: true, timelapse: false, lr: 5.0e-4}]\n", "x")
    assert stage.argv() == ["train", "--out", "r", "--export", "m", "--sub-pixel", "--no-timelapse", "--lr", "0.0005"]


def test_the_shipped_recipe_parses_and_ends_at_the_shipped_model():
    stages = load_recipe("models/fashion.recipe.yaml")
    assert [stage.flags["export"] for stage in stages][-1] == "models/fashion.safetensors"
    assert stages[1].flags["init"] == stages[0].flags["export"]
