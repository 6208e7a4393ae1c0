"""`performer sample` writes grids of the requested size from random z, given z and interpolations."""

from __future__ import annotations

import imageio.v3 as iio
import numpy as np
import torch

from performer.cli import main
from performer.commands.sample import slerp


def test_random_grid_size(random_model_file, tmp_path):
    out = tmp_path / "grid.png"
    assert (
        main(["sample", "--model", str(random_model_file[0]), "--out", str(out), "--grid", "3", "--size", "40x24"]) == 0
    )
    picture = iio.imread(out)
    # 3 tiles of 40 wide with 2-pixel gaps: 3*40 + 2*2 = 124; 3 rows of 24: 3*24 + 2*2 = 76
    assert picture.shape == (76, 124, 3)


def test_given_z_matches_direct_render(random_model_file, tmp_path):
    path, generator, _ = random_model_file
    out = tmp_path / "one.png"
    z = [0.5, -1, 2, 0, 0, 0, 1, -3]
    assert (
        main(
            [
                "sample",
                "--model",
                str(path),
                "--out",
                str(out),
                "--grid",
                "1",
                "--size",
                "32",
                "--z",
                ",".join(map(str, z)),
            ]
        )
        == 0
    )
    with torch.no_grad():
        expected = generator.render(torch.tensor([z], dtype=torch.float32), 32)[0, 0].numpy()
    got = iio.imread(out)[..., 0].astype(np.float32) / 255.0
    assert np.abs(got - expected).max() <= 1 / 255 + 1e-6


def test_bad_z_is_clear_error(random_model_file, tmp_path, capsys):
    code = main(["sample", "--model", str(random_model_file[0]), "--out", str(tmp_path / "x.png"), "--z", "1,2"])
    assert code == 2
    assert "z must have 8 values, got 2" in capsys.readouterr().out


def test_missing_model_is_clear_error(tmp_path, capsys):
    assert main(["sample", "--model", str(tmp_path / "nope.safetensors")]) == 2
    assert "no such model file" in capsys.readouterr().out


def test_slerp_endpoints_and_norm():
    a, b = torch.tensor([3.0, 0.0]), torch.tensor([0.0, 3.0])
    path = slerp(a, b, torch.tensor([0.0, 0.5, 1.0]))
    assert torch.allclose(path[0], a) and torch.allclose(path[2], b, atol=1e-6)
    # halfway along a quarter circle of radius 3: (3 cos 45deg, 3 sin 45deg)
    assert torch.allclose(path[1], torch.tensor([2.1213, 2.1213]), atol=1e-4)


def test_jump_and_learned_sources_sample_where_the_show_goes(tmp_path, capsys):
    """--source jump: each z within a few noise widths of one of the model's garment latents; learned: drawn
    from the file's mixture (finite, near its components); a model without them is one error line."""
    from performer.commands.sample import random_latents
    from performer.model.checkpoint import load_model
    from performer.paths import DEFAULT_MODEL

    model = load_model(DEFAULT_MODEL)
    garments = np.asarray(model.garments)
    jumps = random_latents(model, "jump", 64, 1, 1.0).numpy()
    nearest = np.sqrt(((jumps[:, None, :] - garments[None]) ** 2).sum(-1)).min(1)
    spread = np.sqrt(((garments[:, None, :] - garments[None]) ** 2).sum(-1)).mean()
    assert jumps.shape == (64, 8) and np.all(nearest < 0.5 * spread)
    again = random_latents(model, "jump", 64, 1, 1.0).numpy()
    assert np.array_equal(jumps, again), "seeded"
    if model.prior is not None:
        learned = random_latents(model, "learned", 500, 2, 1.0).numpy()
        assert np.all(np.isfinite(learned)) and np.abs(learned.mean(0) - garments.mean(0)).max() < 0.5
    bare = load_model(DEFAULT_MODEL)
    bare.garments = None
    try:
        random_latents(bare, "jump", 4, 0, 1.0)
    except ValueError as exc:
        assert "no garment latents" in str(exc)
    else:
        raise AssertionError("a model without garments must be refused")
