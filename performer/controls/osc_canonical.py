"""What a message to the canonical /performer address space does (the table of addresses is
`osc_server.canonical_addresses`): write latent dimensions and params, recall presets, start walks, fire
actions. Bad arguments raise ValueError/TypeError/IndexError; the hub drops and counts them."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from performer.controls.events import Target, check_number, parse_target
from performer.palettes import PALETTE_NAMES


def apply_canonical(entry: tuple[str, object], args: list, latent_dim: int, targets: Sequence[Target],
                    write: Callable[[Target, float], object], fire: Callable[..., None]) -> None:  # fmt: skip
    """Carry out one canonical message. `entry` is (kind, argument) from the address table, `targets` the
    hub's targets (z1.. first), `write(target, value)` stores a value, `fire(name, *args)` calls an action."""
    kind, argument = entry
    if kind == "latent":
        if len(args) != 1:
            raise ValueError(f"expected 1 number, got {len(args)} arguments")
        write(targets[argument], check_number(args[0]))
    elif kind == "z":
        if len(args) != latent_dim:
            raise ValueError(f"expected {latent_dim} numbers, got {len(args)}")
        values = [check_number(a) for a in args]  # all or nothing
        for i, value in enumerate(values):
            write(targets[i], value)
    elif kind == "param":
        if len(args) != 1:
            raise ValueError(f"expected 1 argument, got {len(args)}")
        value = args[0]
        if argument == "palette" and isinstance(value, str):
            if value not in PALETTE_NAMES:
                raise ValueError(f"unknown palette {value!r}")
            value = PALETTE_NAMES.index(value)
        write(parse_target(argument, latent_dim), check_number(value))
    elif kind == "preset":
        if len(args) != 1:
            raise ValueError("expected a preset name or index")
        value = args[0]
        if isinstance(value, str):
            if not value or len(value) > 256:
                raise ValueError("bad preset name")
            fire("preset", value)
        else:
            number = check_number(value)
            if number != int(number) or number < 0:
                raise ValueError(f"a preset index is a whole number >= 0, got {number}")
            fire("preset", int(number))
    elif kind == "walk":
        if len(args) != 1 or not isinstance(args[0], str) or not 0 < len(args[0]) <= 256:
            raise ValueError("expected a walk name")
        fire("walk", args[0])
    elif kind == "action":
        if not args or check_number(args[0]) >= 0.5:
            fire(argument)
