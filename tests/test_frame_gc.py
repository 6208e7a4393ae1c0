"""The show freezes its startup heap after the first frame, so a full collection walks only what came later."""

from __future__ import annotations

import gc

import pytest

from performer.app import App
from performer.frame_gc import CollectorPauses, freeze_startup_heap, full_collection_cost
from performer.render.cppn_renderer import CppnRenderer
from performer.render.weights import CppnWeights
from performer.render.window import HeadlessSurface
from performer.state import PerformanceState


@pytest.fixture(autouse=True)
def unfrozen():
    gc.unfreeze()
    yield
    gc.unfreeze()  # the rest of the test session collects as usual


def test_freezing_leaves_a_full_collection_only_the_objects_made_since():
    walked_before = len(gc.get_objects())  # what a full collection walks: every tracked container
    frozen = freeze_startup_heap()
    assert frozen >= walked_before * 0.9  # the session's heap (pytest, numpy, performer) is now permanent
    later = [[i] for i in range(1000)]  # 1000 tracked lists made after the freeze
    walked_after = len(gc.get_objects())
    assert 1000 <= walked_after < 1000 + walked_before * 0.05, (walked_before, walked_after)
    del later


def test_cycles_made_after_the_freeze_are_still_collected():
    freeze_startup_heap()

    class Node:
        pass

    for _ in range(100):
        a, b = Node(), Node()
        a.other, b.other = b, a  # a cycle: reference counting alone never frees it
    del a, b
    assert gc.collect() >= 200  # the 200 nodes (and their dicts)


def test_the_show_freezes_its_heap_after_its_first_frame(random_model_file, ctx, monkeypatch):
    import performer.app

    calls: list[int] = []  # the frame count at each freeze
    surface = HeadlessSurface((32, 18), ctx=ctx)
    app = App(surface, CppnRenderer(ctx, CppnWeights.from_file(random_model_file[0])), PerformanceState())
    monkeypatch.setattr(performer.app, "freeze_startup_heap", lambda: calls.append(app.frames) or 0)
    app.run(1)
    app.run(3)
    assert calls == [1]  # once, after the first frame was shown; never again mid-show
    assert gc.get_freeze_count() == 0  # (the stand-in froze nothing)


def test_the_collector_pauses_and_a_full_collection_are_measured():
    pauses = CollectorPauses().start()
    try:
        gc.collect()  # one full collection
        gc.collect(0)
    finally:
        pauses.stop()
    assert pauses.count[2] >= 1 and pauses.count[0] >= 1 and pauses.longest_ms[2] > 0
    assert pauses._callback not in gc.callbacks
    cost = full_collection_cost()
    assert cost["objects"] == pytest.approx(len(gc.get_objects()), rel=0.05) and cost["ms"] > 0
