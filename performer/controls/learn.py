"""MIDI and OSC learn: pick a target, move a control, get a mapping entry; entries go to a mapping file.

`Learner.feed` watches events while armed and returns the control entry (a dict in mapping-file form) once a
control has clearly moved: a note-on, a button press, a program change at once; a CC after a few messages,
so it can tell a fader (distinct values) from an endless encoder (the same few values near 0/64/127,
repeated) and notice a 14-bit pair (CC n and n+32 both moving). Encoders are best learned turning clockwise.
An OSC address is learned once it has sent two different values (a fader moving; a steady stream such as a
heartbeat is not a control), or at its first press for an action.

`LearnMode` is learn as the hub runs it: a consumer of the hub's event stream, offered every event before the
dispatch (it takes them all while armed), with the selected target and the file learned entries go to.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import yaml

from performer.controls.events import ControlEvent
from performer.controls.mapping_schema import MappingError, parse_mapping
from performer.controls.mapping_yaml import load_yaml_lines
from performer.safe_files import FILE_BOUNDS, atomic_write_text, read_bounded_text
from performer.targets import PREFIX, all_targets, parse_target

log = logging.getLogger(__name__)
LEARNED_LINE_SECONDS = 5.0  # how long the HUD says what was learned

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
        channel = (
            {"channel": event.channel}
            if event.channel is not None and kind in ("cc", "note", "pitchbend", "program")
            else {}
        )
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
            moved = value > 0 if is_action else len(set(values)) >= 2
            return {"osc": number} if moved else None
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


class LearnMode:
    """Learn inside a running hub: a selected target (L arms it, Page Up/Down choose another), every OSC, MIDI
    and joystick event offered first (`offer`), mapped or not, and each learned entry written to `learn_file`.
    `on_written(path)` is told when the file changed (the hub loads it on its next frame)."""

    def __init__(
        self,
        latent_dim: int = 8,
        learn_file: str | Path | None = None,
        on_written: Callable[[Path], None] | None = None,
    ) -> None:
        self.learner = Learner(latent_dim=latent_dim)
        self.latent_dim = latent_dim
        self.learn_file = Path(learn_file) if learn_file else None
        self.on_written = on_written
        self.targets = all_targets(latent_dim)
        self.index = 0
        self.last_learned: dict | None = None
        self.problem: str | None = None  # the learn file could not be written
        self._now = 0.0
        self._learned_at = float("-inf")

    @property
    def armed(self) -> bool:
        return self.learner.armed

    def start(self, target: str | None = None) -> None:
        """Arm learn for `target` (default: the selected one); the next control moved is mapped to it."""
        target = target or self.targets[self.index]
        self.learner.arm(target)
        log.info("learn: move a control for %s", target)

    def cancel(self) -> None:
        self.learner.cancel()

    def toggle(self) -> None:
        if self.learner.armed:
            self.learner.cancel()
            log.info("learn cancelled")
        else:
            self.start()

    def step(self, step: int) -> None:
        self.index = (self.index + step) % len(self.targets)
        log.info("learn target: %s", self.targets[self.index])
        if self.learner.armed:
            self.learner.arm(self.targets[self.index])

    def actions(self) -> dict[str, Callable]:
        return {"learn": self.toggle, "learn_next": lambda: self.step(1), "learn_prev": lambda: self.step(-1)}

    def tick(self, now: float) -> None:
        self._now = now

    def offer(self, event: ControlEvent) -> bool:
        """True if learn took the event: while armed every control event goes here and no further (learning
        never moves a target). Keys, the /performer address space (already the app's own) and OSC messages
        whose first argument is not a number (nothing to learn from) pass by, and so does audio: it sends every
        frame, so it would be learned before any control moved."""
        if not self.learner.armed or event.kind in ("key", "audio") or event.value is None:
            return False
        if event.kind == "osc" and (event.number == PREFIX or str(event.number).startswith(PREFIX + "/")):
            return False
        entry = self.learner.feed(event)
        if entry is not None:
            self._learned(entry)
        return True

    def _learned(self, entry: dict) -> None:
        self.last_learned, self._learned_at = entry, self._now
        log.info("learned %s", entry)
        if self.learn_file is None:
            return
        try:
            write_learned(self.learn_file, entry, self.latent_dim)
        except (OSError, ValueError) as exc:
            self.problem = f"learn: cannot write {self.learn_file}: {exc}"
            log.error("%s", self.problem)
            return
        self.problem = None
        if self.on_written is not None:
            self.on_written(self.learn_file)

    def status_lines(self) -> list[str]:
        if self.learner.armed:
            return [f"learn: move a control for {self.learner.target}"]
        if self.last_learned is not None and self._now - self._learned_at < LEARNED_LINE_SECONDS:
            source = ", ".join(f"{k} {v}" for k, v in self.last_learned.items() if k != "to")
            return [f"learned: {source} -> {self.last_learned['to']}"]
        return []


def write_learned(path: str | Path, entry: dict, latent_dim: int = 8) -> Path:
    """Add `entry` to the mapping file at `path` (created if missing), replacing an entry with the same
    target and source. The leading comment block is kept; the result is validated before it is written."""
    path = Path(path)
    header, data = HEADER, {"name": "learned", "controls": []}
    if path.exists():
        text = read_bounded_text(path, FILE_BOUNDS["mapping"].max_bytes, "mapping")
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
        c
        for c in data.get("controls") or []
        if not (c.get("to") == entry["to"] or {k: c.get(k) for k in source} == source)
    ] + [entry]
    text = header + yaml.safe_dump(data, sort_keys=False, default_flow_style=None)
    try:
        parse_mapping(text, str(path), latent_dim)
    except MappingError as exc:
        raise ValueError(f"the learned mapping would not be valid: {exc}") from None
    atomic_write_text(path, text, "learned mapping")  # WriteError (an OSError): one line, the old file kept
    return path


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
