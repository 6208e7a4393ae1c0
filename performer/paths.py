"""Where the shipped files live, for every command and library module (commands never import each other)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_MODEL = ROOT / "models" / "fashion.safetensors"
