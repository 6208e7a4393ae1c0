"""The garments' map (issue 12, panel 5): written at export and by `performer map`, read with numpy alone,
and queried by map_space: a click to z, z to a map point, the trail, the legend."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from safetensors import safe_open
from safetensors.numpy import save_file

from performer.map_space import CLASS_NAMES, SNAP, TRAIL_LENGTH, MapSpace
from performer.model.arrays import ModelFileError, read_model_arrays
from performer.model.garment_map import KIND, LABELS, MAP, GarmentMap, embed_2d, pca_2d

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "models" / "fashion.safetensors"


def _raw(path):
    with safe_open(str(path), framework="numpy") as handle:
        return dict(handle.metadata() or {}), {key: handle.get_tensor(key) for key in handle.keys()}


def _principal_axes(latents):
    """The top two eigenvectors of the covariance, worked out by eigh (not the SVD the code uses)."""
    values, vectors = np.linalg.eigh(np.cov(latents.T))
    return vectors[:, ::-1][:, :2]


def test_pca_projects_on_the_two_largest_principal_directions():
    rng = np.random.default_rng(1)
    latents = rng.normal(size=(400, 8)) * np.array([3.0, 0.2, 2.0, 0.1, 0.1, 0.1, 0.1, 0.1])
    points = pca_2d(latents)
    want = (latents - latents.mean(axis=0)) @ _principal_axes(latents)
    assert points.dtype == np.float32 and points.shape == (400, 2)
    assert np.allclose(np.abs(points), np.abs(want), atol=1e-4)  # the same up to each axis's sign
    assert np.allclose(pca_2d(latents), points)  # the same map every time


def test_without_umap_the_map_is_pca(monkeypatch):
    monkeypatch.setitem(sys.modules, "umap", None)  # import umap raises ImportError
    latents = np.random.default_rng(2).normal(size=(50, 8))
    points, kind = embed_2d(latents)
    assert kind == "pca" and np.allclose(points, pca_2d(latents))


def _space(count=300, seed=3):
    rng = np.random.default_rng(seed)
    latents = rng.normal(size=(count, 8))
    labels = np.arange(count) % 10
    return MapSpace(latents, GarmentMap(pca_2d(latents), labels, "pca")), latents


def test_a_click_on_a_garment_lands_on_its_latent_and_between_garments_blends_the_nearest():
    space, latents = _space()
    for index in (0, 17, 299):
        assert np.abs(space.to_z(space.points[index]) - latents[index]).max() < 1e-9
    # within the snap radius: the garment nearest the click (the one hover shows)
    x0, y0, x1, y1 = space.bounds()
    near = space.points[17] + [0.5 * SNAP * max(x1 - x0, y1 - y0), 0.0]
    assert np.array_equal(space.to_z(near), latents[space.nearest(near)])
    # far from every garment: inverse-square-distance weights over the 8 nearest, worked out here
    gap = np.array([x1 + 1.0, y1 + 1.0])
    squared = np.sum((space.points - gap) ** 2, axis=1)
    nearest = np.argsort(squared)[:8]
    weights = 1 / squared[nearest]
    assert np.allclose(space.to_z(gap), (weights[:, None] * latents[nearest]).sum(0) / weights.sum())


def test_round_trips():
    space, latents = _space()
    for index in range(0, 300, 37):  # a garment's latent -> its own point -> its own latent
        assert np.allclose(space.to_map(latents[index]), space.points[index])
        assert np.allclose(space.to_z(space.to_map(latents[index])), latents[index])
    # anywhere on the map: there and back lands near where it started (measured: median 6% of the extent)
    x0, y0, x1, y1 = space.bounds()
    starts = np.random.default_rng(4).uniform([x0, y0], [x1, y1], (200, 2))
    errors = [np.linalg.norm(space.to_map(space.to_z(p)) - p) for p in starts]
    assert np.median(errors) < 0.15 * max(x1 - x0, y1 - y0)


def test_the_trail_is_bounded_and_ends_at_the_current_position():
    space, latents = _space()
    for index in range(TRAIL_LENGTH + 50):
        space.visit(latents[index % 300])
    space.visit(latents[10])  # standing still adds nothing
    assert len(space.trail) == TRAIL_LENGTH
    assert np.allclose(space.trail[-1], space.points[10]) and space.trail[-1] != space.trail[-2]


def test_the_legend_names_the_classes_present():
    latents = np.random.default_rng(5).normal(size=(6, 8))
    space = MapSpace(latents, GarmentMap(pca_2d(latents), np.array([9, 0, 9, 3, 0, -1]), "pca"))
    assert [name for name, _ in space.legend()] == ["unknown", "t-shirt/top", "dress", "ankle boot"]
    assert len(CLASS_NAMES) == 10 and space.colours().shape == (6, 3)
    assert len({tuple(colour) for colour in space.colours()}) == 4


def _exported(tmp_path):
    import torch

    from performer.model.config import ModelConfig
    from performer.train.config import TrainConfig
    from performer.train.loop import Trainer

    torch.manual_seed(0)
    images, labels = torch.rand(300, 1, 28, 28), np.arange(300) % 10
    trainer = Trainer(ModelConfig(), TrainConfig(), torch.device("cpu"))
    return trainer.export(tmp_path / "m.safetensors", images, labels), images, labels


def test_export_writes_the_labels_and_the_pca_map_of_the_garments(tmp_path, monkeypatch):
    import torch

    monkeypatch.setitem(sys.modules, "umap", None)
    path, _, labels = _exported(tmp_path)
    arrays = read_model_arrays(path)
    order = torch.randperm(300, generator=torch.Generator().manual_seed(0)).numpy()
    assert arrays.garment_map.kind == "pca"
    assert np.array_equal(arrays.garment_map.labels, labels[order])
    want = (arrays.garments - arrays.garments.mean(axis=0)) @ _principal_axes(arrays.garments.astype(np.float64))
    assert np.allclose(np.abs(arrays.garment_map.points), np.abs(want), atol=1e-4)
    assert MapSpace.from_model(arrays) is not None


def test_adding_a_map_keeps_everything_else_and_refuses_other_images(tmp_path, monkeypatch):
    from performer.train.map_export import add_map

    monkeypatch.setitem(sys.modules, "umap", None)
    path, images, labels = _exported(tmp_path)
    metadata, tensors = _raw(path)
    old = tmp_path / "old.safetensors"  # a file from before the map
    save_file(
        {k: v for k, v in tensors.items() if k not in (LABELS, MAP)},
        str(old),
        metadata={k: v for k, v in metadata.items() if k != KIND},
    )
    assert read_model_arrays(old).garment_map is None
    before = old.read_bytes()
    with pytest.raises(ModelFileError, match="not the seeded pick"):
        add_map(old, images.flip(0), labels)
    assert old.read_bytes() == before  # refused: untouched
    old.chmod(0o644)
    assert add_map(old, images, labels) == "pca"
    assert old.stat().st_mode & 0o777 == 0o644
    new_metadata, new_tensors = _raw(old)
    assert new_metadata == metadata  # every entry as exported, the map's kind included
    assert set(new_tensors) == set(tensors)
    for key, value in tensors.items():
        assert new_tensors[key].dtype == value.dtype and new_tensors[key].tobytes() == value.tobytes(), key


@pytest.mark.parametrize(("drop", "says"), [(LABELS, "together"), (KIND, "map_kind")])
def test_a_half_written_map_is_a_clear_error(tmp_path, monkeypatch, drop, says):
    monkeypatch.setitem(sys.modules, "umap", None)
    path, _, _ = _exported(tmp_path)
    metadata, tensors = _raw(path)
    tensors.pop(drop, None)
    metadata.pop(drop, None)
    save_file(tensors, str(path), metadata=metadata)
    with pytest.raises(ModelFileError, match=says):
        read_model_arrays(path)


def test_the_command_on_the_shipped_model_keeps_its_other_tensors_bit_identical(tmp_path):
    copy = tmp_path / "fashion.safetensors"
    copy.write_bytes(SHIPPED.read_bytes())
    metadata, tensors = _raw(SHIPPED)
    done = subprocess.run(
        [sys.executable, "-m", "performer.cli", "map", "--model", str(copy), "--embedding", "pca"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    new_metadata, new_tensors = _raw(copy)
    for key, value in tensors.items():
        if key not in (LABELS, MAP):
            assert new_tensors[key].tobytes() == value.tobytes(), key
    assert {k: v for k, v in new_metadata.items() if k != KIND} == {k: v for k, v in metadata.items() if k != KIND}
    arrays = read_model_arrays(copy)
    assert arrays.garment_map.points.shape == (2000, 2) and arrays.garment_map.kind == "pca"
    # Fashion-MNIST's classes are balanced: 2,000 random training garments hold all ten, each 5-15%
    counts = np.bincount(arrays.garment_map.labels, minlength=10)
    assert counts.min() > 100 and counts.max() < 300


def test_the_live_side_of_the_map_needs_no_torch():
    code = (
        "import sys; from performer.model.arrays import read_model_arrays; from performer.map_space import MapSpace;"
        f"space = MapSpace.from_model(read_model_arrays({str(SHIPPED)!r})); print('torch' in sys.modules, space.kind)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.stdout.strip() == "False umap", done.stderr  # the shipped map is UMAP's


def test_a_handful_of_garments_is_mapped_with_pca_even_with_umap():
    """A tiny training folder's few garments: UMAP's spectral start fails below a few times its neighbours."""
    from performer.model.garment_map import UMAP_SMALLEST

    latents = np.random.default_rng(5).normal(size=(UMAP_SMALLEST - 1, 8))
    points, kind = embed_2d(latents)
    assert kind == "pca" and np.allclose(points, pca_2d(latents))
