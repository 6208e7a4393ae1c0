"""Binding: one mapping entry, compiled. It matches events, shapes them (range, curve, dead zone, 14-bit,
relative encoders, attack/release envelopes, soft takeover, smoothing, velocity mode, every Nth trigger) and
writes targets or fires actions through the write sink (sink.py). The dispatch calls `handle` per event; the
hub `notice_external` and `tick` once per frame."""

from __future__ import annotations

from performer.audio.envelope import Envelope
from performer.controls.events import EVENT_KINDS, TRIGGERS, ControlEvent
from performer.controls.mapping_schema import Control, Shaping
from performer.controls.osc_pattern import compile_pattern, has_wildcard
from performer.controls.sink import WriteSink
from performer.controls.transforms import Fourteen, Shape, Smoother, SoftTakeover, decode_relative, normalise
from performer.targets import parse_target


class Binding:
    """One mapping entry, compiled: matches events and turns them into target writes or action calls."""

    def __init__(self, control: Control, defaults: Shaping | None, latent_dim: int, origin: str = "") -> None:
        self.control = control
        self.origin = origin
        self.target = parse_target(control.to, latent_dim)
        self.kind = control.source
        self.family = EVENT_KINDS[self.kind].family
        option = lambda name: control.option(name, defaults)  # noqa: E731
        low, high = control.input_range
        if self.target.kind == "action":
            out = control.out or [low, high]
        else:
            out = control.out or list(self.target.default_out)
        self.shape = Shape(
            low, high, out[0], out[1], option("invert"), option("curve"), option("curve_amount"), option("deadzone")
        )
        self.mode = option("mode")
        self.feedback = option("feedback") and self.mode == "absolute" and control.relative is None
        threshold = option("threshold")
        self.threshold = EVENT_KINDS[self.kind].threshold if threshold is None else threshold
        self.takeover = (
            SoftTakeover(option("pickup_window"), option("fast_move"), option("fast_move_time"))
            if option("takeover") == "pickup" and control.relative is None and self.mode == "absolute"
            else None
        )
        smoothing = option("smoothing")
        self.smoother = Smoother(smoothing) if smoothing > 0 else None
        self.fourteen = Fourteen() if self.kind == "cc14" else None
        shaped = control.attack is not None or control.release is not None
        self.envelope = Envelope(control.attack or 0.0, control.release or 0.0) if shaped else None
        self.every, self.triggers = control.every or 1, 0  # triggers counted, for `every`
        span = out[1] - out[0]
        self.step = control.step if control.step is not None else abs(span) / 128.0
        self.rate = control.rate if control.rate is not None else span / 2.0  # full span in 2 s
        self.bipolar = EVENT_KINDS[self.kind].bipolar and control.axis not in TRIGGERS  # triggers rest at -1
        self.held = 0.0  # velocity mode: the current deflection
        self.active = False  # trigger: above the threshold
        self.last_written: float | None = None
        self.pattern = compile_pattern(control.osc) if control.osc and has_wildcard(control.osc) else None

    # ---- matching ---------------------------------------------------------------------------------------
    def keys(self) -> list[tuple[str, object]]:
        """Index keys (event kind, number) this binding listens to."""
        c = self.control
        if self.kind == "cc14":
            return [("cc", c.cc14), ("cc", c.cc14 + 32)]
        if self.kind == "osc":
            return [] if self.pattern is not None else [("osc", c.osc)]
        return [(self.kind, c.number)]

    def accepts(self, event: ControlEvent) -> bool:
        c = self.control
        if c.channel is not None and event.channel != c.channel:
            return False
        if c.joystick is not None and event.channel != c.joystick:
            return False
        if c.device is not None and c.device.lower() not in event.device.lower():
            return False
        return True

    # ---- events -----------------------------------------------------------------------------------------
    def handle(self, event: ControlEvent, sink: WriteSink) -> None:
        """One event (its value checked where it entered); ValueError/TypeError for one it cannot use."""
        raw = event.value
        if raw is None:
            raise ValueError("not a number")
        if self.fourteen is not None:
            raw = float(self.fourteen.feed(event.number == self.control.cc14 + 32, int(raw)))
        if self.envelope is not None:
            raw = self.envelope.follow(raw, event.time)
        if self.target.kind == "action":
            self._trigger(raw, sink)
            return
        if self.mode == "velocity":
            u = self.shape.unit(raw)
            self.held = 2.0 * u - 1.0 if self.bipolar else u
            return
        current = sink.read(self.target)
        if self.control.relative is not None:
            ticks = decode_relative(int(raw), self.control.relative)
            if self.shape.invert:
                ticks = -ticks
            base = self.smoother.goal if self.smoother is not None and self.smoother.goal is not None else current
            low, high = sorted((self.shape.out_low, self.shape.out_high))
            self._set_goal(min(max(base + ticks * self.step, low), high), current, sink)
            return
        goal = self.shape.forward(raw)
        if self.takeover is not None:
            position = normalise(raw, self.shape.low, self.shape.high)
            span = self.shape.out_high - self.shape.out_low
            if not self.takeover.accept(position, goal, current, span, event.time):
                sink.stats["takeover_waiting"] += 1
                return
        self._set_goal(goal, current, sink)

    def _trigger(self, raw: float, sink: WriteSink) -> None:
        u = normalise(raw, self.shape.low, self.shape.high)
        if self.shape.invert:
            u = 1.0 - u
        above = u >= self.threshold if self.kind != "program" else True
        fire = above and (not self.active or self.kind == "program")
        self.active = above and self.kind != "program"
        if not fire:
            return
        self.triggers += 1
        if self.triggers % self.every:  # every: 4 fires on the 4th, 8th, ... (a bar of beats)
            return
        target = self.target
        if target.name == "preset" and target.argument is None:
            index = int(raw) if self.control.out is None else int(round(self.shape.forward(raw)))
            sink.fire("preset", index)
        elif target.argument is not None:
            sink.fire(target.name, target.argument)
        else:
            sink.fire(target.name)

    def _set_goal(self, goal: float, current: float, sink: WriteSink) -> None:
        if self.smoother is not None:
            self.smoother.set_goal(goal, current)
        else:
            self.last_written = sink.write(self.target, goal, self.family)

    # ---- per frame --------------------------------------------------------------------------------------
    def notice_external(self, sink: WriteSink) -> None:
        """If someone else changed the target since this binding wrote it, let go / follow."""
        if self.last_written is None:
            return
        current = sink.read(self.target)
        if abs(current - self.last_written) > 1e-5 * max(1.0, abs(current)):
            self.last_written = None
            if self.takeover is not None:
                self.takeover.release()
            if self.smoother is not None:
                self.smoother.follow(current)

    def tick(self, sink: WriteSink, dt: float) -> None:
        if self.mode == "velocity":
            if self.held != 0.0 and dt > 0.0:
                low, high = sorted((self.shape.out_low, self.shape.out_high))
                current = sink.read(self.target)
                value = min(max(current + self.held * self.rate * dt, low), high)
                self.last_written = sink.write(self.target, value, self.family)
            return
        if self.smoother is not None:
            value = self.smoother.step(dt)
            if value is not None:
                self.last_written = sink.write(self.target, value, self.family)
