"""The built-in keys, read from the table of actions (performer/targets.py: each action's `key` column), so the
app's key handling, `performer play --help`, the hint printed when a window opens and the README's keys table
say what the keys do.

Key names are the window's (GLFW's, lower case): "r", "left", "page_up", "space", "escape". Holding 1-8
moves the latents (the keyboard source, performer/sources/keyboard.py, does that, smoothly); every other
key fires its action once per press. Mappings (e.g. mappings/keyboard.yaml) can bind further keys.
"""

from __future__ import annotations

from dataclasses import dataclass

from performer.targets import ACTIONS

LATENT_KEYS = tuple("12345678")  # hold: latent 1-8 up; with Shift: down
LATENT_KEYS_LABEL = "1-8"
LATENT_KEYS_DOES = "hold: move latent 1-8 up (Shift+1-8: down), smoothly while held"

_SPECIAL_LABELS = {
    "left": "Left",
    "right": "Right",
    "up": "Up",
    "down": "Down",
    "page_up": "Page Up",
    "page_down": "Page Down",
    "space": "Space",
    "escape": "Esc",
    "enter": "Enter",
}


@dataclass(frozen=True)
class Key:
    name: str  # as the window reports it
    action: str  # the app action a press fires
    does: str  # for people: --help, the README
    short: str  # a word or two for the one-line hint
    shift: bool = False  # only with Shift held (without it, Shift+key does what the key does)

    @property
    def label(self) -> str:
        base = _SPECIAL_LABELS.get(self.name, self.name.upper())
        return f"Shift+{base}" if self.shift else base


KEYS: tuple[Key, ...] = tuple(
    Key(spec.key.removeprefix("shift+"), spec.name, spec.does, spec.label, spec.key.startswith("shift+"))
    for spec in ACTIONS
    if spec.key is not None
)


def key_action(name: str, shift: bool) -> str | None:
    """The action a press of `name` fires: the Shift row when Shift is held and there is one, else the plain
    row (so Shift+S still snapshots), None for an unbound key."""
    plain = None
    for key in KEYS:
        if key.name == name:
            if key.shift == shift:
                return key.action
            if not key.shift:
                plain = key.action
    return plain


def keys_help() -> str:
    """The keys section of `performer play --help`: every binding, one a line."""
    rows = [(LATENT_KEYS_LABEL, LATENT_KEYS_DOES)] + [(key.label, key.does) for key in KEYS]
    width = max(len(label) for label, _ in rows) + 2
    return "keys:\n" + "\n".join(f"  {label.ljust(width)}{does}" for label, does in rows)


def keys_hint() -> str:
    """One line for the terminal when the window opens."""
    parts = [f"{LATENT_KEYS_LABEL} latents (Shift: down)"]
    parts += [f"{key.label} {key.short}" for key in KEYS]
    return "keys: " + ", ".join(parts) + " (all: performer play --help)"
