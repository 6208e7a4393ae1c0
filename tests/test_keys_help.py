"""Help truth: the keys the app binds are one table (performer/keys.py); `performer play --help`, the hint
line, the README and the app's own key handling all follow it, and mappings/keyboard.yaml adds to it
without binding any of its keys twice."""

from __future__ import annotations

import re
import string
import subprocess
import sys
import typing
from pathlib import Path

import pytest

from performer.commands.play import KEYS_HINT
from performer.controls.mapping_schema import load_mapping
from performer.keys import KEYS, LATENT_KEYS, LATENT_KEYS_LABEL
from performer.render.window import KEY_NAMES
from performer.sources.keyboard import KeyboardInput
from performer.walks.schema import KeyframesSpec

ROOT = Path(__file__).resolve().parents[1]
# every name the window can report: its named keys, the digits, the letters
WINDOW_KEYS = set(KEY_NAMES.values()) | set(string.digits) | set(string.ascii_lowercase)


def play_help() -> str:
    result = subprocess.run(
        [sys.executable, "-m", "performer.cli", "play", "--help"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_play_help_lists_every_key_the_app_binds_with_what_it_does():
    text = play_help()
    section = text[text.index("\nkeys:\n") + 1 :]
    rows = {}
    for line in section.splitlines()[1:]:
        if not line.startswith("  "):
            break
        label, _, does = line.strip().partition("  ")
        rows[label] = does.strip()
    assert rows.pop(LATENT_KEYS_LABEL).startswith("hold")
    assert rows == {key.label: key.does for key in KEYS}  # nothing missing, nothing extra
    assert len(rows) == len(KEYS)  # two keys with one label would hide one of them


def test_the_hint_line_names_every_key():
    for key in KEYS:
        assert re.search(rf"(^|, ){re.escape(key.label)} ", KEYS_HINT.removeprefix("keys: ")), key.label


def test_the_app_handles_exactly_the_keys_in_the_table():
    fired = []
    keyboard = KeyboardInput(fired.append, latent_dim=8)
    for key in KEYS:
        fired.clear()
        keyboard.on_key("shift", key.shift, key.shift)
        keyboard.on_key(key.name, True, key.shift)
        keyboard.on_key(key.name, False, key.shift)
        keyboard.on_key("shift", False, False)
        assert fired == [key.action], key.label
    bound = {key.name for key in KEYS} | set(LATENT_KEYS)
    for name in sorted(WINDOW_KEYS - bound - {"shift"}):
        keyboard.on_key(name, True, False)
        keyboard.on_key(name, True, True)
    fired.clear()
    assert fired == []  # no key outside the table does anything
    keyboard.on_key("3", True, False)
    assert keyboard.held == {2}  # and 1-8 move the latents (test_render_app checks how)
    assert all(key.name in WINDOW_KEYS for key in KEYS)  # a key the window never reports would be dead


def test_every_table_action_exists_in_a_real_session(random_model_file, tmp_path):
    from performer.cli import build_parser
    from performer.render.weights import CppnWeights
    from performer.render.window import HeadlessSurface
    from performer.session import build_session
    from performer.state import PerformanceState

    args = build_parser().parse_args(
        [
            "play",
            "--headless",
            "--model",
            str(random_model_file[0]),
            "--size",
            "32x24",
            "--no-osc",
            "--no-midi",
            "--no-prints",
            "--weights",
            "texture",
            "--landmarks",
            str(tmp_path / "none.yaml"),
        ]
    )
    weights = CppnWeights.from_file(args.model)
    surface = HeadlessSurface(args.size)
    session = build_session(args, surface, weights, PerformanceState(latent_dim=weights.latent_dim))
    try:
        missing = [key.label for key in KEYS if key.action not in session.app.actions]
    finally:
        session.close()
        surface.close()
    assert missing == []


def test_keyboard_mapping_binds_only_keys_the_table_leaves_free():
    mapping = load_mapping(ROOT / "mappings" / "keyboard.yaml")
    keys = [control.key for control in mapping.controls]
    assert keys, "keyboard.yaml binds nothing"
    table = {key.name for key in KEYS} | set(LATENT_KEYS)
    assert [k for k in keys if k in table] == []  # a key in both would fire twice
    assert [k for k in keys if k not in WINDOW_KEYS] == []  # and every key it names can arrive


def readme_keys_table() -> dict[str, str]:
    text = (ROOT / "README.md").read_text()
    table = text[text.index("| key | does |") :].split("\n\n", 1)[0]
    rows = {}
    for line in table.splitlines()[2:]:
        keys, does = (cell.strip() for cell in line.strip("|").split("|", 1))
        for part in keys.removeprefix("hold ").split(" / "):
            rows[part] = does
    return rows


def test_readme_keys_table_lists_every_key():
    rows = readme_keys_table()
    assert [key.label for key in KEYS if key.label not in rows] == []
    assert LATENT_KEYS_LABEL in rows


def test_readme_names_the_walk_interpolations_the_schema_accepts():
    accepted = typing.get_args(KeyframesSpec.model_fields["interpolation"].annotation)
    assert set(accepted) == {"linear", "slerp", "smooth"}
    text = (ROOT / "README.md").read_text()
    sentence = text[text.index("**Walks**") :].split("\n\n", 1)[0]
    assert "linear, slerp or smooth" in " ".join(sentence.split())
    assert "Catmull-Rom;" not in sentence  # not a name a walk file can use


@pytest.mark.parametrize("key", KEYS, ids=lambda key: key.label)
def test_every_key_has_a_hint_word_and_a_description(key):
    assert key.short.strip() and key.does.strip()
