"""The audio features a mapping may name (`audio: level`), each with its raw range: the input range a control
gets when it gives no `in:`. Kept apart from the analysis so the mapping schema never imports aubio."""

from __future__ import annotations

from dataclasses import dataclass

BAND_EDGES_HZ = (20.0, 150.0, 600.0, 2500.0, 10000.0)  # band1 bass, band2 low mids, band3 mids, band4 highs


@dataclass(frozen=True)
class Feature:
    name: str
    low: float
    high: float
    about: str
    trigger: bool = False  # 1.0 on the frame it happens, else 0.0: drives actions, `every` counts it


FEATURES: dict[str, Feature] = {
    f.name: f
    for f in (
        Feature("level", 0.0, 1.0, "RMS of the frame's samples (a full-scale sine is 0.71)"),
        *(
            Feature(f"band{i + 1}", 0.0, 1.0, f"RMS of {low:g}-{high:g} Hz")
            for i, (low, high) in enumerate(zip(BAND_EDGES_HZ, BAND_EDGES_HZ[1:], strict=False))
        ),
        Feature("onset", 0.0, 1.0, "onset strength (spectral flux) over its running peak of the last seconds"),
        Feature("beat", 0.0, 1.0, "1 on the frame of a beat (the tracker's beats, gaps filled at its tempo)", True),
        Feature("phase", 0.0, 1.0, "where the frame is between two beats, 0..1"),
        Feature("tempo", 60.0, 180.0, "the beat tracker's tempo, BPM (0 until it has one)"),
    )
}
BANDS = tuple(name for name in FEATURES if name.startswith("band"))
