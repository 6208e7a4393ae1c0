"""Landmark files (load, save without losing entries, errors), signature diagrams, the contact sheet."""

from __future__ import annotations

import math

import numpy as np
import pytest
import yaml

from performer.presets.landmarks import (
    Landmark,
    LandmarkError,
    add_landmark,
    find_landmark,
    landmark_from_state,
    load_landmarks,
    save_landmarks,
)
from performer.presets.signature import contact_sheet, signature_image
from performer.state import PerformanceState


def test_round_trip_and_add_keeps_what_is_there(tmp_path):
    path = tmp_path / "lm.yaml"
    first = [
        Landmark(
            "boot", tuple(np.linspace(-1, 1, 8).round(4)), "ember", 1.5, "found", {"print_a": 3.0, "print_opacity": 0.5}
        ),
        Landmark("bag", (0.5,) * 8),
    ]
    save_landmarks(path, first, "fashion.safetensors")
    assert load_landmarks(path, 8) == first
    saved = add_landmark(path, Landmark("boot", (2.0,) * 8))
    assert saved.name == "boot 2"
    saved3 = add_landmark(path, Landmark("boot", (3.0,) * 8))
    assert saved3.name == "boot 3"
    again = load_landmarks(path)
    assert [lm.name for lm in again] == ["boot", "bag", "boot 2", "boot 3"]
    assert again[:2] == first
    assert "model: fashion.safetensors" in path.read_text()


def test_errors_name_the_file_and_the_key(tmp_path):
    path = tmp_path / "lm.yaml"
    path.write_text("landmarks:\n  - {name: boot, z: [0, 0, 0, 0, 0, 0, 0, 0], colour: red}\n")
    with pytest.raises(LandmarkError, match=r"lm.yaml: landmarks\[0\] \(boot\).colour: Extra inputs"):
        load_landmarks(path)
    path.write_text("landmarks:\n  - {name: boot, z: [0, 0, 9, 0, 0, 0, 0, 0]}\n")
    with pytest.raises(LandmarkError, match=r"landmarks\[0\] \(boot\).z: .*-4.0..4.0"):
        load_landmarks(path)
    path.write_text("landmarks:\n  - {name: boot, z: [0, 0, 0]}\n")
    with pytest.raises(LandmarkError, match=r"landmarks\[0\] \(boot\).z: has 3 values, the model has 8"):
        load_landmarks(path, 8)
    path.write_text("landmarks:\n  - {name: boot, z: [0, 0, 0, 0, 0, 0, 0, 0], palette: plaid}\n")
    with pytest.raises(LandmarkError, match="unknown palette 'plaid'"):
        load_landmarks(path)


def test_from_state_and_find():
    state = PerformanceState()
    state.set_latent(2, 1.23456)
    state.set("palette", 4)
    lm = landmark_from_state(state, "mine")
    assert lm.z[2] == 1.2346 and lm.palette == "neon" and lm.zoom == 1.0
    assert find_landmark([lm], "MINE") is lm and find_landmark([lm], 0) is lm
    with pytest.raises(KeyError, match="known: mine"):
        find_landmark([lm], "yours")


def ink_radius(image: np.ndarray, angle: float) -> float:
    """Distance from the centre to the outermost blue pixel along a ray (angle clockwise from the top)."""
    size = image.shape[0]
    c = (size - 1) / 2
    best = 0.0
    for r in np.arange(0, size / 2, 0.25):
        x, y = c + r * math.sin(angle), c - r * math.cos(angle)
        px = image[int(round(y)), int(round(x))]
        if px[2] > 200 and px[0] < 150:  # the blue curve, not the grey ring
            best = r
    return best


def test_signature_diagram_draws_the_values():
    zero = signature_image(np.zeros(8), 128)
    assert zero.shape == (128, 128, 3) and zero.dtype == np.uint8
    radii = [ink_radius(zero, a) for a in np.linspace(0, 2 * math.pi, 8, endpoint=False)]
    assert max(radii) - min(radii) <= 1.5  # all zeros: a circle
    z = np.zeros(8)
    z[0], z[4] = 3.0, -3.0  # latent 1 at the top pushed out, latent 5 at the bottom pulled in
    bumpy = signature_image(z, 128)
    top, bottom = ink_radius(bumpy, 0.0), ink_radius(bumpy, math.pi)
    # HUD curve: radius = R (1 + 0.15 z): 1.45 R at the top, 0.55 R at the bottom
    assert top / bottom == pytest.approx(1.45 / 0.55, rel=0.12)


def test_contact_sheet_has_a_tile_per_landmark(random_model_file):
    _, generator, _ = random_model_file
    marks = [
        Landmark(f"m{i}", tuple(np.random.default_rng(i).standard_normal(8).round(3)), "neon", 1.0) for i in range(3)
    ]
    sheet = contact_sheet(marks, generator, tile=32, columns=2)
    cell_w, cell_h = 32 + 16 + 24, 32 + 14 + 16
    assert sheet.shape == (2 * cell_h, 2 * cell_w, 3)
    assert sheet[8:40, 8:40].std() > 0  # a garment was drawn in the first tile
    assert (sheet[cell_h + 8 : cell_h + 40, cell_w + 8 : cell_w + 40] == 255).all()  # the 4th cell is empty


def test_the_landmarks_command_lists_the_shipped_file_and_writes_its_sheet(tmp_path, capsys):
    from performer.cli import main

    file = tmp_path / "marks.yaml"
    file.write_text(
        yaml.safe_dump(
            {
                "landmarks": [
                    {"name": "plain", "z": [0.0] * 8},
                    {
                        "name": "printed",
                        "z": [1.0] + [0.0] * 7,
                        "palette": "gold",
                        "zoom": 1.5,
                        "print_a": 6.0,
                        "print_opacity": 0.8,
                    },
                ]
            }
        )
    )
    sheet = tmp_path / "sheet.png"
    assert main(["landmarks", "--file", str(file), "--sheet", str(sheet), "--diagrams", str(tmp_path / "d")]) == 0
    out = capsys.readouterr().out
    assert "printed" in out and "palette=gold zoom=1.5 print_a=6 print_opacity=0.8" in out
    assert sheet.exists() and len(list((tmp_path / "d").glob("*.png"))) == 2
    assert main(["landmarks", "--sheet", str(tmp_path / "shipped.png"), "--diagrams", str(tmp_path / "s")]) == 0


def test_a_photo_on_white_encodes_where_the_same_garment_on_black_does(tmp_path, capsys):
    import imageio.v3 as iio
    import torch

    from performer.cli import main
    from performer.data.fashion_mnist import load_fashion_mnist
    from performer.model.checkpoint import load_model
    from performer.paths import DEFAULT_MODEL
    from performer.presets.from_image import encode_image

    images, labels = load_fashion_mnist("test")
    dress = images[int(np.flatnonzero(labels == 3)[0])]
    iio.imwrite(tmp_path / "black.png", dress)  # as in the data: light garment on black
    iio.imwrite(tmp_path / "white.png", np.kron(255 - dress, np.ones((8, 8), np.uint8)))  # a 224 px "photo"
    model = load_model(DEFAULT_MODEL)
    with torch.no_grad():
        want = model.encoder(torch.from_numpy(dress.astype(np.float32)[None, None] / 255.0))[0][0].numpy()
    z_black, _ = encode_image(model, tmp_path / "black.png")
    z_white, picture = encode_image(model, tmp_path / "white.png")
    assert np.allclose(z_black, want, atol=1e-5)
    assert np.abs(z_white - want).max() < 0.25  # inverted and resized back: the same place, near enough
    assert np.median(picture[:, 0]) < 0.05  # the white border became the black ground

    file = tmp_path / "marks.yaml"
    args = ["landmarks", "--file", str(file), "--sheet", str(tmp_path / "s.png"), "--diagrams", str(tmp_path / "d")]
    assert main([*args, "--add", "my dress", "--image", str(tmp_path / "white.png")]) == 0
    (saved,) = load_landmarks(file)
    assert saved.name == "my dress" and np.allclose(saved.z, z_white, atol=1e-4)
    (tmp_path / "notes.png").write_text("not a picture")
    assert main([*args, "--add", "x", "--image", str(tmp_path / "notes.png")]) == 2
    assert "notes.png: not a readable image" in capsys.readouterr().err
    assert main([*args, "--add", "x"]) == 2  # --image missing
