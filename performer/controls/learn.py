"""MIDI learn: pick a target, move a control, get a mapping entry; entries are written to a mapping file.

`Learner.feed` watches events while armed and returns the control entry (a dict in mapping-file form) once a
control has clearly moved: a note-on, a button press, a program change at once; a CC after a few messages,
so it can tell a fader (distinct values) from an endless encoder (the same few values near 0/64/127,
repeated) and notice a 14-bit pair (CC n and n+32 both moving). Encoders are best learned turning clockwise.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from performer.controls.events import ControlEvent, parse_target
from performer.controls.mapping_schema import MappingError, load_yaml_lines, parse_mapping

HEADER = (
    "# Learned mappings, written by `performer learn` (or the learn key in `performer play`).\n"
    "# Edit freely: this is an ordinary mapping file (see mappings/README in the main README).\n"
)


def guess_relative(values: list[int]) -> str | None:
    """The relative encoding a run of CC values looks like, or None for an absolute control. An encoder
    sends the same few small steps again and again; a fader sends a run of mostly distinct values."""
    if len(values) < 3 or len(set(values)) > max(2, len(values) // 2):
        return None
    if all(57 <= v <= 71 and v != 64 for v in values):
        return "binary-offset"
    if all(1 <= v <= 15 or 113 <= v <= 127 for v in values):
        return "twos-complement"
    if all(1 <= v <= 15 or 65 <= v <= 79 for v in values):
        return "signed-bit"
    return None


class Learner:
    def __init__(self, messages: int = 4, latent_dim: int = 8) -> None:
        self.messages = messages
        self.latent_dim = latent_dim
        self.target: str | None = None
        self._seen: dict[tuple, list[float]] = {}

    @property
    def armed(self) -> bool:
        return self.target is not None

    def arm(self, target: str) -> None:
        parse_target(target, self.latent_dim)  # ValueError for an unknown target
        self.target = target
        self._seen = {}

    def cancel(self) -> None:
        self.target = None
        self._seen = {}

    def feed(self, event: ControlEvent) -> dict | None:
        """The learned entry once a control is recognised (and the learner disarms), else None."""
        if self.target is None or event.kind == "key":
            return None
        entry = self._recognise(event)
        if entry is None:
            return None
        entry["to"] = self.target
        self.cancel()
        return entry

    def _recognise(self, event: ControlEvent) -> dict | None:
        kind, number, value = event.kind, event.number, event.value
        channel = {"channel": event.channel} if event.channel is not None and kind in (
            "cc", "note", "pitchbend", "program") else {}  # fmt: skip
        is_action = parse_target(self.target, self.latent_dim).kind == "action"
        if kind == "note":
            return {"note": number, **channel} if value > 0 else None
        if kind == "program":
            return {"program": True, **channel}
        if kind in ("button", "hat"):
            if value <= 0:
                return None
            if kind == "hat":
                index, direction = str(number).split(".")
                return {"hat": int(index), "direction": direction}
            return {"button": number}
        values = self._seen.setdefault((kind, event.channel, number), [])
        values.append(value)
        if kind == "axis":
            return {"axis": number} if max(values) - min(values) >= 0.5 or abs(value) >= 0.5 else None
        if kind == "osc":
            return {"osc": number} if is_action or len(values) >= 2 else None
        if kind == "pitchbend":
            return {"pitchbend": True, **channel} if len(values) >= self.messages else None
        if kind != "cc":
            return None
        if is_action:
            return {"cc": number, **channel} if value >= 64 else None
        if len(values) < self.messages:
            return None
        pair = (number + 32) if number < 32 else (number - 32) if number < 64 else None
        if pair is not None and ("cc", event.channel, pair) in self._seen:
            return {"cc14": min(number, pair), **channel}
        encoding = guess_relative([int(v) for v in values])
        if encoding:
            return {"cc": number, **channel, "relative": encoding}
        return {"cc": number, **channel}


def write_learned(path: str | Path, entry: dict, latent_dim: int = 8) -> Path:
    """Add `entry` to the mapping file at `path` (created if missing), replacing an entry with the same
    target and source. The leading comment block is kept; the result is validated before it is written."""
    path = Path(path)
    header, data = HEADER, {"name": "learned", "controls": []}
    if path.exists():
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines(keepends=True)
        comments = []
        for line in lines:
            if not line.startswith("#"):
                break
            comments.append(line)
        header = "".join(comments) or HEADER
        loaded = load_yaml_lines(text, str(path))
        if isinstance(loaded, dict):
            data = _plain(loaded)
            data.setdefault("controls", [])
    source = {k: v for k, v in entry.items() if k != "to"}
    data["controls"] = [
        c for c in data.get("controls") or []
        if not (c.get("to") == entry["to"] or {k: c.get(k) for k in source} == source)
    ] + [entry]  # fmt: skip
    text = header + yaml.safe_dump(data, sort_keys=False, default_flow_style=None)
    try:
        parse_mapping(text, str(path), latent_dim)
    except MappingError as exc:
        raise ValueError(f"the learned mapping would not be valid: {exc}") from None
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
