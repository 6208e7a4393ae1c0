"""The print judge's geometry, on shapes whose answers are known: discs, squares, ellipses."""

from __future__ import annotations

import numpy as np
import pytest

from performer.prints.style_quality import blob_circularities, colour_distance, ink_map, label_components


def soft_shape(size, shapes):
    """An anti-aliased ink map: 1 inside any shape, with a one-pixel ramp (as the style images draw)."""
    y, x = np.mgrid[0:size, 0:size] + 0.5
    level = np.zeros((size, size))
    for kind, cx, cy, a, b in shapes:
        if kind == "disc":
            distance = np.hypot(x - cx, y - cy) - a
        elif kind == "square":
            distance = np.maximum(np.abs(x - cx), np.abs(y - cy)) - a
        else:  # ellipse with half-axes a, b: approximately signed distance, scaled by the smaller axis
            distance = (np.hypot((x - cx) / a, (y - cy) / b) - 1.0) * min(a, b)
        level = np.maximum(level, np.clip(0.5 - distance, 0.0, 1.0))
    return level


def test_discs_are_round_and_squares_and_ellipses_are_not():
    discs = blob_circularities(
        soft_shape(128, [("disc", 30, 30, 8, 0), ("disc", 90, 40, 5, 0), ("disc", 60, 95, 12, 0)])
    )
    assert len(discs) == 3 and np.all(np.abs(discs - 1.0) < 0.05), discs
    squares = blob_circularities(soft_shape(128, [("square", 40, 40, 10, 0), ("square", 90, 90, 6, 0)]))
    assert np.all(np.abs(squares - np.pi / 4) < 0.04), squares  # 4*pi*s^2 / (4s)^2 = pi/4
    ellipse = blob_circularities(
        soft_shape(
            128,
            [
                (
                    "ellipse",
                    64,
                    64,
                    30,
                    10,
                )
            ],
        )
    )
    # Ramanujan's perimeter for half-axes 30 and 10: 4*pi*A/P^2 = 0.7
    h = (30 - 10) ** 2 / (30 + 10) ** 2
    perimeter = np.pi * 40 * (1 + 3 * h / (10 + np.sqrt(4 - 3 * h)))
    assert ellipse[0] == pytest.approx(4 * np.pi * np.pi * 300 / perimeter**2, abs=0.04)


def test_blobs_cut_by_the_border_or_the_mask_do_not_count():
    level = soft_shape(64, [("disc", 2, 30, 8, 0), ("disc", 40, 30, 6, 0)])
    assert len(blob_circularities(level)) == 1
    inside = np.zeros((64, 64), bool)
    inside[:, :30] = True
    assert len(blob_circularities(level, inside)) == 0


def test_components_ink_and_colour_distance():
    mask = np.zeros((6, 6), bool)
    mask[0:2, 0:2] = mask[4:6, 3:6] = True
    labels = label_components(mask)
    assert len(np.unique(labels[mask])) == 2 and (labels[~mask] == 0).all()
    red, white = (0.78, 0.09, 0.14), (0.98, 0.97, 0.95)
    image = np.array([[red, white, np.add(red, white) / 2]])
    assert ink_map(image, white, red)[0] == pytest.approx([0.0, 1.0, 0.5])
    flat_red = np.tile(np.array(red), (8, 8, 1))
    assert colour_distance(flat_red, flat_red) == pytest.approx(0.0, abs=1e-9)
    assert colour_distance(flat_red, np.tile(np.array(white), (8, 8, 1))) == pytest.approx(1.0)


def test_bench_prints_style_judges_every_shipped_print(capsys):
    from performer.cli import main

    assert main(["bench-prints", "--style"]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("| ") and not line.startswith("| print")]
    assert [row.split("|")[1].strip() for row in rows] == ["stripes", "polka_dots", "houndstooth", "leopard"]
    relative = [float(row.split("|")[3]) for row in rows]
    assert all(0 < value < 1 for value in relative)  # every print is closer to its style than the bare garment
    assert "blobs" in rows[1] and "style image polka_dots: 1.00 of" in out  # the style image's dots are round
