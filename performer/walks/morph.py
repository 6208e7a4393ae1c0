"""The morph fader: a crossfader between two landmarks, as a VJ mixer crossfades between two decks.

`morph_a` and `morph_b` pick the landmarks (indexes into the landmark list), `morph` goes from A (0) to B
(1): z along the great circle between them (walks/keyframes.slerp, which keeps the prior's typical norm),
the look as walks interpolate it (zoom in ratios, the palette switching half way). It writes only when one
of the three moves, so between moves the latent faders, walks and recalls play as usual; a move stops
the walk and any landmark crossfade, as a recall does.
"""

from __future__ import annotations

from performer.presets.landmarks import Landmark
from performer.state import PerformanceState
from performer.walks.keyframes import interpolate_param, slerp
from performer.walks.pose import Pose, apply_pose

PARAMS = ("morph", "morph_a", "morph_b")


class Morph:
    def __init__(self, landmarks: list[Landmark], on_move=None) -> None:
        self.landmarks = landmarks  # the show's own list: landmarks saved live can be morphed too
        self.on_move = on_move  # called when the fader moves (the show stops its walk and crossfade)
        self._last: tuple[float, ...] | None = None

    def pair(self, state: PerformanceState) -> tuple[Landmark, Landmark] | None:
        if not self.landmarks:
            return None
        last = len(self.landmarks) - 1
        a, b = (min(int(state.params[name]), last) for name in ("morph_a", "morph_b"))
        return self.landmarks[a], self.landmarks[b]

    def update(self, state: PerformanceState, now: float, dt: float) -> None:
        key = tuple(state.params[name] for name in PARAMS)
        if key == self._last:
            return
        first, self._last = self._last is None, key
        pair = self.pair(state)
        if first or pair is None:  # the show starts where it is, not at landmark A
            return
        if self.on_move is not None:
            self.on_move()
        apply_pose(state, morph_pose(*pair, state.params["morph"]))

    def status_line(self, state: PerformanceState) -> str | None:
        pair = self.pair(state)
        if pair is None or state.params["morph"] <= 0.0:
            return None
        return f"morph {pair[0].name} > {pair[1].name} {state.params['morph']:.0%}"


def morph_pose(a: Landmark, b: Landmark, u: float) -> Pose:
    pa, pb = a.pose(), b.pose()
    params = {
        name: interpolate_param(name, pa.params[name], pb.params[name], u)
        for name in pa.params.keys() & pb.params.keys()
    }
    return Pose(slerp(pa.z, pb.z, u), params)
