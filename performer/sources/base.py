"""Sources: where control events come from. One protocol for OSC, MIDI, joysticks, the keyboard and whatever
comes next (an operator window, audio); the control hub (performer/controls/hub.py) is one loop over them.

A Source is any object with

    name: str                      "osc", "midi", ...: the prefix of its counters and of its HUD line
    events(now) -> [ControlEvent]  the events since the last frame, called once per frame on the frame
                                   thread; never blocks, never raises for bad input (it drops and counts
                                   it). Each event's value is checked here, where it enters (events.py's
                                   check_number): nothing after a source checks it again
    close()                        stop threads, close ports; called once when the show ends
    stats: Mapping[str, int]       its own counters (e.g. kept on its receiving thread); the hub's
                                   all_stats() reports them as NAME_KEY
    status_line() -> str | None    one line for the HUD (what it sent lately), or None
    error_lines() -> [str]         what is not working, one line each, until it works (HUD, in red)

and, optionally, `configure(setup)`: called after each mapping reload with what the files now ask for (ports,
allow-lists). Sources never touch GL, the state or the app: what an event does is the mappings' and the
dispatch's business (performer/targets.py says what can be driven).

A source kind is a row of SOURCE_KINDS: a name and a factory "module:function". The hub calls each factory
with a SourceSetup at start and after each mapping reload until it returns a source (None: not wanted yet;
e.g. MIDI, until a mapping binds a MIDI control). `performer play --source MODULE:FUNCTION` adds a row for one
show without editing any file: a new controller kind is one file.
"""

from __future__ import annotations

import importlib
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from performer.controls.events import ControlEvent

DEFAULT_OSC_RETRY = 3.0  # seconds between tries of an OSC port that could not be opened


@runtime_checkable
class Source(Protocol):
    name: str
    stats: Mapping[str, int]

    def events(self, now: float) -> Iterable[ControlEvent]: ...

    def close(self) -> None: ...

    def status_line(self) -> str | None: ...

    def error_lines(self) -> list[str]: ...


@dataclass(frozen=True)
class SourceOptions:
    """The options of the built-in kinds (`performer play`'s controller options, or ControlHub's arguments)."""

    osc: bool = True
    osc_host: str | None = None  # None: the first mapping file's osc.host, else 127.0.0.1
    osc_port: int | None = None  # None: the first mapping file's osc.port, else 9000
    osc_allow: tuple[str, ...] = ()
    osc_retry: float = DEFAULT_OSC_RETRY
    midi: bool = True
    midi_in: tuple[str, ...] = ()
    midi_backend: object = None  # the mido module, or a stand-in (tests, soak)
    joystick_reader: object = None  # GLFW's joysticks, or a stand-in
    keyboard: object = None  # the app's keyboard (the window's key callback), a source of key events
    audio_in: str | None = None  # an input device (name substring or index); "default": the system's
    audio_file: str | None = None  # a song played as the live source
    audio_backend: object = None  # the sounddevice module, or a stand-in (tests)

    def __post_init__(self) -> None:
        if not self.osc_retry > 0:
            raise ValueError(f"the OSC retry interval must be > 0 seconds, got {self.osc_retry}")


@dataclass
class SourceSetup:
    """What a factory gets. `mappings` are the mapping files loaded (MappingFile, in load order), `families`
    the event families their controls bind ("midi", "joystick", ...). `stats` is the hub's counter, for what a
    source counts on the frame thread (names prefixed with its own name)."""

    options: SourceOptions
    latent_dim: int = 8
    mappings: list = field(default_factory=list)
    families: set[str] = field(default_factory=set)
    stats: Counter = field(default_factory=Counter)


Factory = Callable[[SourceSetup], "Source | None"]


@dataclass(frozen=True)
class SourceKind:
    name: str
    factory: str  # "module:function"
    about: str


SOURCE_KINDS: dict[str, SourceKind] = {
    kind.name: kind
    for kind in (
        SourceKind("osc", "performer.sources.osc:open_osc", "OSC over UDP (TouchDesigner, Max, TouchOSC)"),
        SourceKind("midi", "performer.sources.midi:open_midi", "MIDI ports through mido, hot-plugged"),
        SourceKind("joystick", "performer.sources.joystick:open_joystick", "joysticks and gamepads (GLFW)"),
        SourceKind("keyboard", "performer.sources.keyboard:open_keyboard", "the window's keys"),
        SourceKind("audio", "performer.sources.audio:open_audio", "sound in (sounddevice) or a song: its features"),
    )
}


def load_factory(spec: str) -> Factory:
    """The function named by "module:function" (imported now); ValueError in one line if it cannot be had."""
    module_name, sep, function_name = spec.partition(":")
    if not sep or not module_name or not function_name:
        raise ValueError(f"expected MODULE:FUNCTION, got {spec!r}")
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # ImportError, or the module failing as it loads: said in one line either way
        raise ValueError(f"cannot import {module_name} ({type(exc).__name__}: {exc})") from None
    function = getattr(module, function_name, None)
    if not callable(function):
        raise ValueError(f"{module_name} has no function {function_name}")
    return function


def check_source(source: object, where: str) -> Source:
    """The source, or TypeError naming what it lacks of the protocol."""
    wanted = ("name", "stats", "events", "close", "status_line", "error_lines")
    missing = [name for name in wanted if not hasattr(source, name)]
    if missing:
        raise TypeError(f"{where} returned {type(source).__name__}, which has no {', '.join(missing)}")
    return source  # type: ignore[return-value]
