"""The shipped model as a file written before some config keys existed: the same tensors, the keys dropped."""

from __future__ import annotations

import json
from pathlib import Path

from safetensors.torch import save_file

from performer.model.checkpoint import read_file
from performer.paths import DEFAULT_MODEL


def shipped_without_config_keys(folder: Path, *keys: str) -> Path:
    metadata, tensors = read_file(DEFAULT_MODEL)
    config = {k: v for k, v in json.loads(metadata["config"]).items() if k not in keys}
    path = folder / "older.safetensors"
    save_file(tensors, str(path), metadata={**metadata, "config": json.dumps(config)})
    return path
