"""Print slots and parameters: numbering, what the worker is asked for, and the params as control targets."""

from __future__ import annotations

from performer.prints.live import PrintLayer, working_size
from performer.prints.slots import LEARNED, NONE, print_uniforms, resolve, slots
from performer.state import PerformanceState, check_param
from performer.targets import parse_target


def test_slots_number_procedural_first_then_learned():
    table = slots(("stripes", "leopard"))
    assert [(s.index, s.name, s.learned) for s in table] == [
        (0, "stripes", None),
        (1, "dots", None),
        (2, "check", None),
        (3, "stripes", 0),
        (4, "leopard", 1),
    ]
    assert resolve(table, 4.4).name == "leopard" and resolve(table, 9).name == "leopard"  # past the end: last
    assert resolve(table, -3).name == "stripes" and resolve(table, -3).learned is None


def test_uniforms_say_which_slots_are_ready():
    table = slots(("leopard",))
    params = {"print_a": 3, "print_b": 1, "print_mix": 0.4, "print_opacity": 0.8, "print_scale": 2.0}
    waiting = print_uniforms(params, table, learned_ready=False)
    assert (waiting["u_print_kind_a"], waiting["u_print_kind_b"]) == (NONE, 1)
    ready = print_uniforms(params, table, learned_ready=True)
    assert ready["u_print_kind_a"] == LEARNED
    assert (ready["u_print_mix"], ready["u_print_opacity"], ready["u_print_scale"]) == (0.4, 0.8, 2.0)


def test_print_params_are_control_targets():
    for name, low, high in (
        ("print_a", 0, 15),
        ("print_b", 0, 15),
        ("print_opacity", 0, 1),
        ("print_mix", 0, 1),
        ("print_scale", 0.25, 4),
    ):
        target = parse_target(name)
        assert target.kind == "param" and target.limits == (low, high)
    assert check_param("print_a", 2.6) == 3.0  # a fader's value lands on a whole slot
    assert check_param("print_opacity", 3.0) == 1.0


def test_working_size_follows_the_print_scale():
    assert working_size(256, 1.0) == 256
    assert working_size(256, 1.5) == 384
    assert working_size(256, 0.25) == 64
    assert working_size(256, 4.0) == 512  # capped: the network's cost grows with the square
    assert working_size(256, 1.01) % 4 == 0


class Recorder:
    failed = False

    def __init__(self):
        self.requests = []

    def submit(self, request):
        self.requests.append(request)

    def latest(self):
        return None

    def stop(self):
        pass


def test_what_the_worker_is_asked(ctx):
    worker = Recorder()
    layer = PrintLayer(ctx, ("stripes", "dots", "houndstooth", "leopard"), worker)
    state = PerformanceState()
    try:
        layer.update(state, 0.0, 0.0)
        assert worker.requests == []  # opacity 0: no print, no work
        state.set("print_opacity", 1.0)
        state.set("print_a", 0)
        state.set("print_b", 1)
        layer.update(state, 0.0, 0.0)
        assert worker.requests == []  # two procedural prints: nothing to stylise
        state.set("print_a", 4)  # learned dots and procedural dots
        state.set("print_mix", 0.3)
        layer.update(state, 0.0, 0.0)
        last = worker.requests[-1]
        assert (last.a, last.b, last.mix, last.size) == (1, 1, 0.0, 256)  # the shader does this blend
        state.set("print_b", 6)  # learned dots to learned leopard: the network blends
        state.set("print_scale", 1.5)
        layer.update(state, 0.0, 0.0)
        last = worker.requests[-1]
        assert (last.a, last.b, last.mix, last.size) == (1, 3, 0.3, 384)
        count = len(worker.requests)
        layer.update(state, 0.0, 0.0)
        assert len(worker.requests) == count  # nothing changed: nothing sent
        state.set_latent(2, 1.5)
        layer.update(state, 0.0, 0.0)
        assert worker.requests[-1].z[2] == 1.5
    finally:
        layer.release()


def test_status_line_names_the_prints_the_hud_shows(ctx):
    worker = Recorder()
    worker.failed = False
    layer = PrintLayer(ctx, ("stripes", "dots", "houndstooth", "leopard"), worker)
    try:
        params = {"print_opacity": 0.0, "print_a": 0, "print_b": 6, "print_mix": 0.4}
        assert layer.status_line(params) is None  # no print showing: no line
        params["print_opacity"] = 0.8
        # slot 0 = procedural stripes, slot 6 = the 4th learned print (leopard), before its first frame
        assert layer.status_line(params) == "print stripes > leopard 40% opacity 0.80 (stylising)"
        params.update(print_b=2, print_mix=0.0)
        assert layer.status_line(params) == "print stripes opacity 0.80"
        params.update(print_a=99)  # past the last slot plays the last one
        assert layer.status_line(params) == "print leopard opacity 0.80 (stylising)"
        worker.failed = True
        assert layer.status_line(params) == "print leopard opacity 0.80 (worker failed)"
    finally:
        layer.texture.release()
