"""Print slots: one numbering for the procedural prints (GLSL, always there) and the learned ones (a file).

Slots 0..2 are the procedural prints and slot 3 onwards the learned prints in file order, so a mapping or
landmark that names a slot means the same print whether or not a print file loaded. A slot past the last
available one plays the last one (a fader at its top end still shows a print).
"""

from __future__ import annotations

from dataclasses import dataclass

PROCEDURAL_PRINTS = ("stripes", "dots", "check")  # ids match print_procedural() in shaders/cppn.glsl
MAX_SLOTS = 16  # the print_a / print_b parameter range

# What the shader does with a slot (u_print_kind_a / _b): >= 0 a procedural id, LEARNED samples the
# stylised texture, NONE shows no print (a learned slot before its first stylised frame arrives).
LEARNED = -1
NONE = -2


@dataclass(frozen=True)
class Slot:
    index: int
    name: str
    learned: int | None = None  # index of the print inside the print file, None for procedural

    @property
    def kind(self) -> int:
        return LEARNED if self.learned is not None else PROCEDURAL_PRINTS.index(self.name)


def slots(learned_names: tuple[str, ...] = ()) -> tuple[Slot, ...]:
    procedural = [Slot(i, name) for i, name in enumerate(PROCEDURAL_PRINTS)]
    start = len(procedural)
    learned = [Slot(start + i, name, i) for i, name in enumerate(learned_names[: MAX_SLOTS - start])]
    return tuple(procedural + learned)


def resolve(table: tuple[Slot, ...], value: float) -> Slot:
    index = int(round(value))
    return table[min(max(index, 0), len(table) - 1)]


def slot_kind(slot: Slot, learned_ready: bool) -> int:
    if slot.learned is None:
        return slot.kind
    return LEARNED if learned_ready else NONE


def print_uniforms(
    params: dict[str, float], table: tuple[Slot, ...], learned_ready: bool, extent: float = 1.0
) -> dict[str, object]:
    """The print uniforms of shaders/cppn.glsl for this state (no torch, no GL: the renderer sets them)."""
    a, b = resolve(table, params.get("print_a", 0)), resolve(table, params.get("print_b", 0))
    return {
        "u_print_opacity": float(params.get("print_opacity", 0.0)),
        "u_print_mix": float(params.get("print_mix", 0.0)),
        "u_print_scale": float(params.get("print_scale", 1.0)),
        "u_print_kind_a": slot_kind(a, learned_ready),
        "u_print_kind_b": slot_kind(b, learned_ready),
        "u_print_extent": float(extent),
    }
