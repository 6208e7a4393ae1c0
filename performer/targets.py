"""The one table of what a performance can be told to do: every value target (the latents and the parameters of
performer/state.py) and every action, with its canonical OSC address, built-in key, label and help text.

Generated from it, as mido's message specs drive mido: the mapping targets a mapping file may name
(`parse_target`, and the error that lists them), the OSC address space that needs no mapping
(`canonical_addresses`), the built-in keys (performer/keys.py), the learn targets, the HUD's key hint and the
target and address sections of `performer play --help`. The callables stay where they live (the app, the
show, learn) and are registered by name through `provide`, which refuses a name the table does not have.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from performer.palettes import PALETTE_NAMES
from performer.state import BACKGROUND_MODES, LATENT_LIMIT, LATENT_PLAYABLE, PARAM_SPECS, PARAMS

PREFIX = "/performer"


@dataclass(frozen=True)
class ActionSpec:
    name: str  # what mappings, keys and the app's dict of callables call it
    key: str | None  # the built-in key as the window names it; "shift+r" for Shift held
    osc: str | None  # its canonical address below PREFIX
    label: str  # a word or two: the key hint, the HUD
    does: str  # a sentence: `performer play --help`, the README
    argument: str | None = None  # what "name:ARGUMENT" and its OSC argument are


ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec("random", "r", "random", "random", "random garment (a real garment's place in the space, varied)"),
    ActionSpec("hyperspace", "shift+r", "hyperspace", "anywhere", "hyperspace jump (anywhere the prior reaches)"),
    ActionSpec(
        "invent", "i", "invent", "new garment", "new garment (the learned prior: where garments are, none of them)"
    ),
    ActionSpec("preset_prev", "left", "preset/prev", "landmark back", "previous landmark (crossfade)"),
    ActionSpec("preset_next", "right", "preset/next", "landmark on", "next landmark (crossfade)"),
    ActionSpec("preset_save", "p", "preset/save", "save landmark", "save the current state as a new landmark"),
    ActionSpec("preset", None, "preset", "landmark", "go to a landmark (crossfade)", argument="name or index"),
    ActionSpec("walk_toggle", "w", "walk/toggle", "walk", "play / stop the walk"),
    ActionSpec("walk_next", "n", "walk/next", "next walk", "next walk"),
    ActionSpec("walk_prev", None, "walk/prev", "previous walk", "previous walk"),
    ActionSpec("walk_play", None, "walk/play", "play walk", "play the walk"),
    ActionSpec("walk_stop", None, "walk/stop", "stop walk", "stop the walk"),
    ActionSpec("walk", None, "walk", "walk", "play a walk (presets/walks/NAME.yaml)", argument="name"),
    ActionSpec("tap_tempo", "t", "tap", "tap", "tap tempo"),
    ActionSpec("record_toggle", "v", "record/toggle", "record", "start / stop recording (recordings/)"),
    ActionSpec("record_start", None, "record/start", "record", "start recording"),
    ActionSpec("record_stop", None, "record/stop", "stop recording", "stop recording"),
    ActionSpec("snapshot", "s", "snapshot", "snapshot", "PNG snapshot (snapshots/)"),
    ActionSpec("learn", "l", None, "learn", "MIDI/OSC learn: arm, then move a control"),
    ActionSpec("learn_prev", "page_up", None, "learn target back", "learn: previous target"),
    ActionSpec("learn_next", "page_down", None, "learn target on", "learn: next target"),
    ActionSpec("blackout", "b", "blackout", "blackout", "blackout: fade to black in half a second, and back"),
    ActionSpec("previews", "g", "previews", "previews", "latent previews: each latent's row of garments at -3 ... 3"),
    ActionSpec("pause", "space", "pause", "pause", "pause / resume the picture"),
    ActionSpec("hud", "h", "hud", "HUD", "show / hide the HUD (latents, timing, status)"),
    ActionSpec("fullscreen", "f", None, "fullscreen", "fullscreen / window"),
    ActionSpec("quit", "escape", None, "quit", "quit (a recording is finished first)"),
)
ACTION_SPECS = {spec.name: spec for spec in ACTIONS}
ACTIONS_WITH_ARGUMENT = tuple(spec.name for spec in ACTIONS if spec.argument)  # "preset:night", "walk:groove"


@dataclass(frozen=True)
class Target:
    """What a mapping drives: kind "latent" (index), "param" (name) or "action" (name, optional argument)."""

    kind: str
    name: str  # "z3", "zoom", "random", "preset"
    index: int = -1  # latent index, 0-based
    argument: str | None = None  # "preset:night" -> "night"

    @property
    def default_out(self) -> tuple[float, float]:
        """What a control drives when its mapping gives no output range: the playable span."""
        return LATENT_PLAYABLE if self.kind == "latent" else PARAM_SPECS[self.name].playable

    @property
    def limits(self) -> tuple[float, float]:
        if self.kind == "latent":
            return (-LATENT_LIMIT, LATENT_LIMIT)
        spec = PARAM_SPECS[self.name]
        return (spec.low, spec.high)


def value_targets(latent_dim: int = 8) -> list[Target]:
    """Every value target, the latents first (the order of learn's targets and of feedback)."""
    latents = [Target("latent", f"z{i + 1}", i) for i in range(latent_dim)]
    return latents + [Target("param", spec.name) for spec in PARAMS]


def all_targets(latent_dim: int = 8) -> list[str]:
    """The names of the value targets (learn steps through them)."""
    return [target.name for target in value_targets(latent_dim)]


def known_targets(latent_dim: int = 8) -> str:
    names = [spec.name for spec in ACTIONS] + [f"{name}:NAME" for name in ACTIONS_WITH_ARGUMENT]
    return f"z1..z{latent_dim}, {', '.join(PARAM_SPECS)}, {', '.join(names)}"


def parse_target(text: str, latent_dim: int = 8) -> Target:
    """ "z1".."z<latent_dim>", a parameter name, an action name, or "preset:NAME"; ValueError lists them."""
    if not isinstance(text, str):
        raise ValueError(f"target must be a string, got {text!r}")
    name, _, argument = text.partition(":")
    if name.startswith("z") and name[1:].isdigit():
        number = int(name[1:])
        if not 1 <= number <= latent_dim:
            raise ValueError(f"latent target must be z1..z{latent_dim}, got {text!r}")
        if argument:
            raise ValueError(f"{name} takes no ':argument'")
        return Target("latent", name, number - 1)
    if name in PARAM_SPECS and not argument:
        return Target("param", name)
    if name in ACTION_SPECS:
        if argument and name not in ACTIONS_WITH_ARGUMENT:
            raise ValueError(f"only {' and '.join(ACTIONS_WITH_ARGUMENT)} take ':argument', got {text!r}")
        return Target("action", name, argument=argument or None)
    raise ValueError(f"unknown target {text!r}; known: {known_targets(latent_dim)}")


# ---- the canonical OSC address space ----------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """What one canonical address takes and what it drives. `takes` is "number" (one number: the target's
    value; a name from `names` stands for its index), "numbers" (one number per latent), "trigger" (no
    argument, or a first argument >= 0.5: a button's press), or "name or index" / "name" (an action's
    argument)."""

    takes: str
    target: Target
    names: tuple[str, ...] = ()


def canonical_addresses(latent_dim: int = 8) -> dict[str, Route]:
    """The address space that needs no mapping, address -> Route: /performer/z/1..N and /performer/z (all
    latents), /performer/param/NAME, and each action's address from ACTIONS."""
    table = {f"{PREFIX}/z/{t.index + 1}": Route("number", t) for t in value_targets(latent_dim) if t.index >= 0}
    table[f"{PREFIX}/z"] = Route("numbers", Target("latent", "z", -1))
    for spec in PARAMS:
        names = {"palette": PALETTE_NAMES, "background": BACKGROUND_MODES}.get(spec.name, ())
        table[f"{PREFIX}/param/{spec.name}"] = Route("number", Target("param", spec.name), names)
    for spec in ACTIONS:
        if spec.osc is not None:
            table[f"{PREFIX}/{spec.osc}"] = Route(spec.argument or "trigger", Target("action", spec.name))
    return table


def osc_help(latent_dim: int = 8) -> str:
    """The canonical address section of `performer play --help`."""
    triggers = [f"{PREFIX}/{spec.osc}" for spec in ACTIONS if spec.osc and not spec.argument]
    rows = [
        (f"{PREFIX}/z/1..{latent_dim}", f"number: latent 1..{latent_dim} (clamped to +-{LATENT_LIMIT:g})"),
        (f"{PREFIX}/z", f"{latent_dim} numbers: all latents at once"),
        (f"{PREFIX}/param/NAME", "number: a parameter (palette and background also take a name)"),
    ]
    rows += [(f"{PREFIX}/{s.osc}", f"{s.argument}: {s.does}") for s in ACTIONS if s.osc and s.argument]
    width = max(len(address) for address, _ in rows) + 2
    lines = [f"  {address.ljust(width)}{does}" for address, does in rows]
    lines.append("  triggers (no argument, or a first argument >= 0.5, a button's press):")
    lines += wrapped(", ".join(triggers), "    ")
    return "OSC addresses that need no mapping:\n" + "\n".join(lines)


def targets_help(latent_dim: int = 8) -> str:
    """The mapping targets section of `performer play --help`."""
    return "mapping targets (to: in a mappings/*.yaml):\n" + "\n".join(wrapped(known_targets(latent_dim), "  "))


def wrapped(text: str, indent: str, width: int = 100) -> list[str]:
    lines, line = [], ""
    for word in text.split(" "):
        if line and len(indent) + len(line) + 1 + len(word) > width:
            lines.append(indent + line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return lines + ([indent + line] if line else [])


def provide(actions: dict[str, Callable], functions: dict[str, Callable], replace: bool = False) -> None:
    """Register callables for actions of the table by name (keeping one already there unless `replace`).
    ValueError for a name the table does not have: a key, a mapping or an OSC address could never call it."""
    unknown = sorted(set(functions) - set(ACTION_SPECS))
    if unknown:
        raise ValueError(f"actions not in performer/targets.py: {', '.join(unknown)}")
    for name, function in functions.items():
        if replace:
            actions[name] = function
        else:
            actions.setdefault(name, function)
