"""The one table (performer/targets.py): every action it names is provided in a real session and nothing else
is, every canonical OSC trigger address fires its action over UDP, `--help` and the error that lists targets
come from it, and a name outside it cannot be registered."""

from __future__ import annotations

import socket
import time

import pytest
from pythonosc.osc_message_builder import OscMessageBuilder

from performer.cli import build_parser
from performer.commands.play import KEYS_EPILOG
from performer.controls.hub import ControlHub
from performer.render.weights import CppnWeights
from performer.render.window import HeadlessSurface
from performer.session import build_session
from performer.state import PARAMS, PerformanceState
from performer.targets import ACTION_SPECS, ACTIONS, canonical_addresses, parse_target, provide


def test_every_action_of_the_table_is_provided_in_a_real_session_and_nothing_else(random_model_file, tmp_path):
    argv = ["play", "--headless", "--model", str(random_model_file[0]), "--size", "32x24", "--no-osc", "--no-midi"]
    argv += ["--no-prints", "--no-reload", "--weights", "texture", "--landmarks", str(tmp_path / "none.yaml")]
    args = build_parser().parse_args(argv)
    weights = CppnWeights.from_file(args.model)
    surface = HeadlessSurface(args.size)
    session = build_session(args, surface, weights, PerformanceState(latent_dim=weights.latent_dim))
    try:
        provided = set(session.app.actions)
    finally:
        session.close()
        surface.close()
    assert provided == set(ACTION_SPECS)
    assert len(provided) == 27  # app 10, show 11, recorder 3, learn 3


def message(address: str, *args) -> bytes:
    builder = OscMessageBuilder(address)
    for arg in args:
        builder.add_arg(arg)
    return builder.build().dgram


def test_every_canonical_trigger_fires_its_action_over_udp():
    fired = []
    actions = {name: (lambda *a, n=name: fired.append((n, *a))) for name in ACTION_SPECS}
    hub = ControlHub(osc_port=0, midi=False, actions=actions).start()
    triggers = [address for address, route in canonical_addresses().items() if route.takes == "trigger"]
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        for address in triggers:
            sock.sendto(message(address), hub.osc.address)
        sock.sendto(message("/performer/preset", 2), hub.osc.address)
        sock.sendto(message("/performer/walk", "groove"), hub.osc.address)
        deadline = time.monotonic() + 3.0
        while hub.osc.stats["received"] < len(triggers) + 2 and time.monotonic() < deadline:
            time.sleep(0.002)
        hub.update(PerformanceState(), 1.0, 1 / 60)
    finally:
        hub.close()
        sock.close()
    assert len(triggers) == 20
    expected = [(spec.name,) for spec in ACTIONS if spec.osc and not spec.argument]
    assert sorted(fired) == sorted(expected + [("preset", 2), ("walk", "groove")])
    assert ("tap_tempo",) in fired and ("record_toggle",) in fired  # /performer/tap, /performer/record/toggle
    assert not {"quit", "fullscreen", "learn"} & {f[0] for f in fired}  # no address quits the show


def test_the_canonical_space_is_the_table():
    table = canonical_addresses(8)
    assert len(table) == 8 + 1 + len(PARAMS) + 22  # z/1..8, z, every parameter, 20 triggers and 2 with arguments
    assert table["/performer/z/3"].target.index == 2 and table["/performer/param/morph_b"].target.name == "morph_b"
    assert table["/performer/param/palette"].names[:2] == ("grey", "ink")
    assert (table["/performer/preset"].takes, table["/performer/walk"].takes) == ("name or index", "name")


def test_help_and_errors_list_the_table():
    for address in canonical_addresses():
        if "/z/" not in address and "/param/" not in address:
            assert address in KEYS_EPILOG, address
    assert "/performer/z/1..8" in KEYS_EPILOG and "/performer/param/NAME" in KEYS_EPILOG
    targets = KEYS_EPILOG[KEYS_EPILOG.index("mapping targets") :]
    assert all(spec.name in targets for spec in PARAMS) and "preset:NAME" in targets
    with pytest.raises(ValueError, match="known: z1..z8, zoom, .*morph_b, random, .*quit, preset:NAME, walk:NAME"):
        parse_target("wobble")


def test_a_name_outside_the_table_cannot_be_provided():
    actions = {}
    with pytest.raises(ValueError, match="actions not in performer/targets.py: randomise"):
        provide(actions, {"random": print, "randomise": print})
    assert actions == {}  # nothing registered from a refused batch
    provide(actions, {"random": print})
    provide(actions, {"random": len})  # the first stays
    assert actions == {"random": print}
