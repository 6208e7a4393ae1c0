"""The design canvas (sources/canvas.py): strokes drawn as the mouse would draw them move the garment, through
the hub, to what the VAE's encoder makes of the drawing; encoding is debounced and on the canvas's worker."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import imageio.v3 as iio
import numpy as np
import pytest
import torch

from performer.canvas_pixels import downsample, stroke_coverage
from performer.controls.hub import ControlHub
from performer.data.fashion_mnist import DEFAULT_DIR, load_fashion_mnist
from performer.model.checkpoint import load_model
from performer.paths import DEFAULT_MODEL
from performer.presets.from_image import ImageError, prepare_image
from performer.sources.canvas import DesignCanvas
from performer.state import PerformanceState


@pytest.fixture(scope="module")
def model():
    return load_model(DEFAULT_MODEL)


@pytest.fixture
def canvas():
    canvas = DesignCanvas.from_file(DEFAULT_MODEL)
    yield canvas
    canvas.close()


def torch_mean(model, pixels: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return model.encoder(torch.from_numpy(pixels.astype(np.float32))[None])[0][0].numpy()


def test_a_stroke_moves_z_through_the_hub_to_the_encoding_of_the_drawing(canvas, model):
    hub = ControlHub(osc=False, midi=False, sources=[canvas]).start()
    state = PerformanceState()
    canvas.set_brush_size(40)  # a trouser leg x 100..180, y 40..240 (round ends): model columns 10..17
    canvas.begin_stroke(140, 80)
    for y in range(80, 201, 10):
        canvas.stroke_to(140, y)
    canvas.end_stroke()
    assert canvas.wait_idle()
    hub.update(state, 1.0, 1 / 60)
    seen = canvas.model_pixels()
    assert seen.shape == (1, 28, 28)
    assert seen[0, 14, 10:18].min() == 1.0 and seen[0, 8:21, 14].min() == 1.0  # across and along the leg
    assert seen[0, :, :10].sum() == 0.0 and seen[0, :, 18:].sum() == 0.0 and seen[0, 24:].sum() == 0.0
    want = torch_mean(model, seen)
    assert np.abs(want).max() > 0.3  # the drawing is somewhere, not the origin
    assert np.abs(state.z - want).max() < 1e-4
    assert hub.all_stats()["canvas_encodes"] >= 1
    hub.update(state, 1.1, 1 / 60)  # nothing new drawn: no event, z stays
    assert np.abs(state.z - want).max() < 1e-4


def test_a_fast_stroke_encodes_on_the_worker_at_most_every_80_ms(canvas, model):
    points, seconds = 100, 0.5
    canvas.begin_stroke(60, 60)
    started = time.monotonic()
    for i in range(points):
        canvas.stroke_to(60 + 1.6 * i, 60 + 1.6 * i)
        time.sleep(seconds / points)
    elapsed = time.monotonic() - started
    while_drawing = canvas.stats["encodes"]
    canvas.end_stroke()
    assert canvas.wait_idle()
    encodes = canvas.stats["encodes"]
    assert 2 <= while_drawing <= elapsed / 0.08 + 1  # the garment follows, but not once per mouse move
    assert encodes == while_drawing + 1  # the stroke's end, once
    assert threading.get_ident() not in canvas.encode_threads and len(canvas.encode_threads) == 1
    z = canvas.events(2.0)[0].args
    assert np.abs(np.array(z) - torch_mean(model, canvas.model_pixels())).max() < 1e-4  # the final drawing
    assert canvas.events(2.1) == []


def test_stroke_edges_are_anti_aliased_and_overlaps_do_not_add():
    coverage = np.zeros((20, 40), dtype=np.float32)
    stroke_coverage(coverage, (5.0, 10.0), (30.0, 10.0), 2.0)  # a horizontal line on the pixel edge y = 10
    column = coverage[:, 15]  # pixel centres at y = 9.5, 10.5 lie 0.5 from the line; 8.5 at 1.5; 7.5 at 2.5
    assert np.allclose(column[[9, 10]], 1.0) and np.allclose(column[[8, 11]], 1.0)  # 2 + 0.5 - 1.5 = 1
    assert np.allclose(column[[7, 12]], 0.0)  # 2.5 - 2.5 = 0
    stroke_coverage(coverage, (5.0, 10.3), (30.0, 10.3), 2.0)  # again, 0.3 px lower
    assert np.isclose(coverage[12, 15], 0.5 - 2.2 + 2.0)  # the max of 0 and 2.5 - 2.2, never a sum
    assert np.allclose(coverage[:, 36:], 0.0)  # beyond the end cap's reach (30 + 2.5)
    assert downsample(np.kron(np.eye(2), np.ones((3, 3))), 2).tolist() == [[1.0, 0.0], [0.0, 1.0]]


def test_white_and_black_brushes_and_clear(canvas):
    canvas.set_brush_size(30)
    canvas.begin_stroke(140, 140)
    canvas.end_stroke()
    canvas.set_brush(white=False)
    canvas.set_brush_size(10)
    canvas.begin_stroke(140, 140)
    canvas.end_stroke()
    _, pixels = canvas.image()
    assert pixels[140, 140] == 0.0 and pixels[140, 140 + 20] == 1.0  # a black dot inside the white one
    canvas.clear()
    assert canvas.image()[1].max() == 0.0
    canvas.set_brush_size(1e9)
    assert canvas.brush_radius == 70.0  # a quarter of the canvas at most


def test_start_from_shows_the_current_garment(canvas, model):
    z = np.linspace(-1.5, 1.5, 8)
    canvas.start_from(z)
    assert canvas.wait_idle()
    with torch.no_grad():
        want = model.generator.render(torch.from_numpy(z.astype(np.float32))[None], 280)[0].mean(0).numpy()
    # float32 on both sides: another CPU's BLAS sums in another order and an edge pixel may move by 1e-2
    # (seen on CI; also here with torch's thread count changing under load: 0.999 quantile 0.0057); the garment
    # as a whole must match, and another garment differs by 0.37 on average
    error = np.abs(canvas.image()[1] - want)
    assert error.mean() < 1e-4 and np.quantile(error, 0.999) < 1e-2 and error.max() < 0.05
    assert canvas.events(1.0) == []  # showing the garment is not a move


@pytest.mark.skipif(not DEFAULT_DIR.exists(), reason="Debian package dataset-fashion-mnist")
def test_a_picture_is_loaded_and_encoded(canvas, model, tmp_path):
    images, labels = load_fashion_mnist("test")
    boot = images[int(np.flatnonzero(labels == 9)[0])]
    photo = tmp_path / "boot.png"
    iio.imwrite(photo, np.kron(255 - boot, np.ones((8, 8), np.uint8)))  # dark on white, 224 px
    canvas.load_picture(photo)
    assert canvas.wait_idle()
    prepared = prepare_image(photo, 28, 1)
    assert np.abs(canvas.model_pixels() - prepared).max() < 1e-6
    z = np.array(canvas.events(1.0)[0].args)
    assert np.abs(z - torch_mean(model, prepared)).max() < 1e-4
    with pytest.raises(ImageError, match="missing.png: cannot be read"):
        canvas.load_picture(tmp_path / "missing.png")
    (tmp_path / "junk.png").write_bytes(b"not a picture")
    canvas.load_picture(tmp_path / "junk.png")
    assert canvas.wait_idle()
    assert "junk.png: not a readable image" in canvas.error_lines()[0]
    assert canvas.events(2.0) == []


def test_drawing_and_encoding_import_no_torch():
    code = (
        "import sys; from performer.sources.canvas import DesignCanvas; "
        f"c = DesignCanvas.from_file({str(DEFAULT_MODEL)!r}); c.begin_stroke(100, 100); c.stroke_to(180, 180); "
        "c.end_stroke(); c.wait_idle(); print(len(c.events(0.0)), 'torch' in sys.modules); c.close()"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["1", "False"]


def test_an_encoding_of_a_drawing_no_longer_shown_is_not_sent(canvas):
    canvas.begin_stroke(100, 100)
    canvas.stroke_to(180, 180)
    canvas.end_stroke()
    assert canvas.wait_idle() and canvas.stats["encodes"] >= 1  # encoded, not yet taken by a frame
    canvas.clear()  # C before the next frame: the garment must not jump to the drawing just cleared
    assert canvas.events(1.0) == []
    canvas.begin_stroke(100, 100)
    canvas.end_stroke()
    assert canvas.wait_idle()
    canvas.start_from(np.zeros(8))  # R likewise
    assert canvas.wait_idle()
    assert canvas.events(2.0) == []
