"""The style report of `performer bench-prints --style`: each learned print judged on garments it stylised
(performer/prints/style_quality.py says what each number means). Torch: an offline command, never live."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from performer.prints.procedural_styles import RED, WHITE
from performer.prints.style_quality import (
    ROUND,
    blob_circularities,
    colour_distance,
    gram_matrices,
    ink_map,
    style_distance,
)

SIZE = 256  # the stylised garment, as the live worker makes it
CROP = 96  # the central square judged for style and colour: inside the garment for the garments picked
GARMENTS = 4
# Prints whose style has dots: (ink, ground) colours of the style image, for the round-dots share
DOTS = {"polka_dots": (WHITE, RED)}


def judge_loss_network(info: dict, loss_net: Path | None = None):
    """(network, its name): `loss_net` if given ("random": the random network), else the trained network
    the prints' training names (when its file is still there), else the random network (seed 1234)."""
    from performer.prints.features import RandomFeatures
    from performer.prints.trained_features import load_loss_net

    described = str(info.get("loss_network", ""))
    if loss_net is not None and str(loss_net) == "random":
        return RandomFeatures(), "random multi-scale (seed 1234)"
    if loss_net is None and described.startswith("trained (") and Path(described[9:-1]).is_file():
        loss_net = Path(described[9:-1])
    if loss_net is not None:
        return load_loss_net(loss_net), f"trained ({loss_net})"
    return RandomFeatures(), "random multi-scale (seed 1234)"


def judge_prints(
    model_path: Path, prints_path: Path, seed: int = 0, loss_net: Path | None = None
) -> tuple[list[dict], dict]:
    """(one row per print, the style images' own round-dots shares); every row names the loss network its
    style distance is measured in."""
    import torch

    from performer.model.checkpoint import load_model
    from performer.prints.files import load_prints
    from performer.prints.stylise import make_stylise
    from performer.prints.train import load_style
    from performer.prints.worker import PrintRequest

    model, prints = load_model(model_path), load_prints(prints_path)
    stylise = make_stylise(model.generator, prints.net)
    loss_net, network_name = judge_loss_network(prints.info, loss_net)
    picks = pick_garments(model, seed)
    styles = prints.info.get("styles") or [f"procedural:{name}" for name in prints.names]

    def grams(image: np.ndarray) -> list[np.ndarray]:
        with torch.no_grad():
            tensor = torch.from_numpy(np.ascontiguousarray(image, np.float32)).permute(2, 0, 1)[None]
            return gram_matrices([f.numpy() for f in loss_net(tensor)])

    rows, reference = [], {}
    for index, (name, source) in enumerate(zip(prints.names, styles, strict=True)):
        _, style_tensor = load_style(source, SIZE)
        style = style_tensor[0].permute(1, 2, 0).numpy()
        style_grams = grams(centre(style))
        row = {
            "print": name,
            "network": network_name,
            "style": [],
            "plain": [],
            "colour": [],
            "plain_colour": [],
            "round": [],
        }
        for z, plain, inside in picks:
            request = PrintRequest(z=tuple(float(v) for v in z), a=index, b=index, mix=0.0, size=SIZE)
            printed = stylise(request).astype(np.float32) / 255.0
            row["style"].append(style_distance(grams(centre(printed)), style_grams))
            row["plain"].append(style_distance(grams(centre(plain)), style_grams))
            row["colour"].append(colour_distance(centre(printed), centre(style)))
            row["plain_colour"].append(colour_distance(centre(plain), centre(style)))
            if name in DOTS:
                row["round"].extend(blob_circularities(ink_map(printed, *DOTS[name]), inside).tolist())
        if name in DOTS:
            reference[name] = blob_circularities(ink_map(style, *DOTS[name]))
        rows.append(row)
    return rows, reference


def pick_garments(model, seed: int) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """GARMENTS garment latents whose central crop is all garment: (z, grey image as RGB, eroded mask)."""
    import torch

    rng = np.random.default_rng(seed)
    table = model.garments if model.garments is not None else rng.standard_normal((200, model.config.latent_dim))
    picks = []
    for z in table[rng.permutation(len(table))]:
        with torch.no_grad():
            grey = model.generator.render(torch.from_numpy(z[None].astype(np.float32)), SIZE)[0].mean(0).numpy()
        mask = grey > 0.25
        if centre(mask).mean() < 0.99:
            continue
        inside = mask.copy()
        for _ in range(3):  # erode: a dot cut by the garment's edge is not counted
            inside[1:-1, 1:-1] &= inside[:-2, 1:-1] & inside[2:, 1:-1] & inside[1:-1, :-2] & inside[1:-1, 2:]
        picks.append((z, np.repeat(grey[..., None], 3, axis=-1), inside))
        if len(picks) == GARMENTS:
            break
    return picks


def centre(image: np.ndarray) -> np.ndarray:
    top = (image.shape[0] - CROP) // 2
    left = (image.shape[1] - CROP) // 2
    return image[top : top + CROP, left : left + CROP]


def markdown(rows: list[dict], reference: dict) -> str:
    lines = [
        "| print | style distance | relative to the unprinted garment's | colour distance (unprinted) | round dots |",
        "|---|---:|---:|---:|---:|",
    ]
    for row in rows:
        rounds = np.asarray(row["round"])
        dots = f"{(rounds >= ROUND).mean():.2f} of {len(rounds)} blobs" if len(rounds) else ""
        if row["print"] in reference and len(rounds) == 0:
            dots = "no blobs inside the garment"
        style, plain = np.median(row["style"]), np.median(row["plain"])
        lines.append(
            f"| {row['print']} | {style:.3g} | {style / plain:.3f} | "
            f"{np.median(row['colour']):.3f} ({np.median(row['plain_colour']):.3f}) | {dots} |"
        )
    networks = sorted({row.get("network", "") for row in rows} - {""})
    if networks:
        lines.append(f"\nstyle distance measured in the loss network: {', '.join(networks)}")
    for name, values in reference.items():
        lines.append(f"\nstyle image {name}: {(values >= ROUND).mean():.2f} of {len(values)} blobs round")
    return "\n".join(lines)
