"""The dispatch: what an event does, once learn has not taken it. Two tables decide, as mido's specs do:

  - an OSC event's address is looked up in the canonical address space (performer/targets.py: each Route says
    what arguments it takes, checked here, once) and in the mappings' OSC controls; a received pattern
    ("/performer/z/[1-3]") expands against every address known to either, in linear time;
  - any other event goes to the bindings listening to its kind and number (the index, rebuilt on reload).

What a route or a binding does goes through the write sink. Bad arguments are dropped and counted in the
hub's stats (osc_bad_args, osc_unknown_address, bad_values, ..._unmapped), never logged per message.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from performer.controls.bindings import Binding
from performer.controls.events import EVENT_KINDS, ControlEvent, check_number
from performer.controls.osc_pattern import AddressTable, PatternBudgetSpent, has_wildcard
from performer.controls.sink import WriteSink
from performer.targets import Route, canonical_addresses, value_targets

MAX_NAME = 256  # characters of a landmark or walk name sent over OSC


class Dispatch:
    def __init__(self, sink: WriteSink, latent_dim: int, stats: Counter) -> None:
        self.sink, self.stats = sink, stats
        self.routes = canonical_addresses(latent_dim)
        self.latents = [target for target in value_targets(latent_dim) if target.kind == "latent"]
        self.set_bindings([])

    def set_bindings(self, bindings: Iterable[Binding]) -> None:
        """The mappings' bindings (after a reload): the index, the OSC patterns, the known addresses."""
        self.bindings = list(bindings)
        index: dict[tuple[str, object], list[Binding]] = {}
        for binding in self.bindings:
            for key in binding.keys():
                index.setdefault(key, []).append(binding)
        self.index = index
        self.patterns = [b for b in self.bindings if b.pattern is not None]
        literal = [b.control.osc for b in self.bindings if b.kind == "osc" and b.pattern is None]
        self.addresses = AddressTable(list(dict.fromkeys(list(self.routes) + literal)))  # what a pattern can reach

    def offer(self, event: ControlEvent) -> bool:
        """Carry out one event (always taken: what nothing uses is counted)."""
        if event.kind == "osc":
            self._osc(event)
        else:
            self._to_bindings(event, self.index.get((event.kind, event.number), []))
        return True

    def _to_bindings(self, event: ControlEvent, bindings: list[Binding]) -> None:
        handled = False
        for binding in bindings:
            if binding.accepts(event):
                handled = True
                try:
                    binding.handle(event, self.sink)
                except (ValueError, TypeError, OverflowError):
                    self.stats["bad_values"] += 1  # counted, not logged: a stream of them would flood the log
        if not handled:
            kind = EVENT_KINDS.get(event.kind)
            self.stats[f"{kind.family if kind is not None else 'other'}_unmapped"] += 1

    # ---- OSC ----------------------------------------------------------------------------------------------
    def _osc(self, event: ControlEvent) -> None:
        address = str(event.number)
        if not has_wildcard(address):
            self._osc_address(address, event)
            return
        try:
            matches = self.addresses.expand(address)  # linear in the pattern, at most MAX_PATTERN long
        except PatternBudgetSpent:  # a flood of patterns: the rest of this window's are dropped
            self.stats["osc_pattern_budget"] += 1
            return
        except ValueError:
            self.stats["osc_bad_pattern"] += 1
            return
        if not matches:
            self.stats["osc_unknown_address"] += 1
        for match in matches:
            self._osc_address(match, event)

    def _osc_address(self, address: str, event: ControlEvent) -> None:
        route = self.routes.get(address)
        bindings = self.index.get(("osc", address), [])
        if self.patterns:
            bindings = bindings + [b for b in self.patterns if b.pattern.matches(address)]
        if route is None and not bindings:
            self.stats["osc_unknown_address"] += 1
            return
        try:
            if route is not None:
                self.apply(route, event.args, event.value, event.origin or "osc")
            if bindings:
                if event.value is None:
                    raise ValueError("a mapped address takes a number")
                self._to_bindings(event, bindings)
        except (ValueError, TypeError, IndexError):
            self.stats["osc_bad_args"] += 1  # counted, never logged per message (junk would flood the log)

    def apply(self, route: Route, args: tuple, value: float | None, family: str = "osc") -> None:
        """Carry out one canonical message: `value` is its first argument as checked by the source (None: not
        a number). ValueError for arguments the route does not take (nothing is written then)."""
        takes, target = route.takes, route.target
        if takes == "number":
            if len(args) != 1:
                raise ValueError(f"expected 1 argument, got {len(args)}")
            if value is None and isinstance(args[0], str) and args[0] in route.names:
                value = float(route.names.index(args[0]))  # a palette by name
            if value is None:
                raise ValueError(f"expected a number, got {args[0]!r}")
            self.sink.write(target, value, family)
        elif takes == "numbers":
            if len(args) != len(self.latents):
                raise ValueError(f"expected {len(self.latents)} numbers, got {len(args)}")
            values = [check_number(a) for a in args]  # all or nothing
            for latent, number in zip(self.latents, values, strict=True):
                self.sink.write(latent, number, family)
        elif takes == "trigger":
            if args and value is None:
                raise ValueError(f"expected no argument or a number, got {args[0]!r}")
            if not args or value >= 0.5:
                self.sink.fire(target.name)
        else:
            self.sink.fire(target.name, self._argument(takes, args, value))

    @staticmethod
    def _argument(takes: str, args: tuple, value: float | None) -> str | int:
        """An action's argument: "name" (a walk), "name or index" (a landmark)."""
        if len(args) != 1:
            raise ValueError(f"expected a {takes}")
        if isinstance(args[0], str):
            if not 0 < len(args[0]) <= MAX_NAME:
                raise ValueError("bad name")
            return args[0]
        if takes != "name or index" or value is None or value != int(value) or value < 0:
            raise ValueError(f"expected a {takes}, got {args[0]!r}")
        return int(value)
