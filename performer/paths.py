"""Where the shipped files live, for every command and library module. Only pathlib here, so that a command's
defaults cost nothing to import (commands never import each other)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_MODEL = ROOT / "models" / "fashion.safetensors"
DEFAULT_PRINTS = ROOT / "models" / "prints" / "prints.safetensors"
DEFAULT_LANDMARKS = ROOT / "presets" / "landmarks.yaml"
WALK_DIR = ROOT / "presets" / "walks"
SHADER_DIR = ROOT / "shaders"
MAPPING_DIR = ROOT / "mappings"
