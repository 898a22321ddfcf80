"""The hybrid data-labeling system (the paper's Algorithm 1) behind ``kuchen label``.

config (TOML) → plan (checked against the registry) → one task per image on an executor
(evaluate: prefix-shared groups, content cache, label) → manifest and summary.
"""

from __future__ import annotations

from .config import LabelConfigError, load_config, parse_config
from .evaluate import ImageTask, label_image
from .inputs import discover
from .manifest import read_manifest
from .plan import build_plan
from .run import run_labeling

__all__ = [
    "ImageTask",
    "LabelConfigError",
    "build_plan",
    "discover",
    "label_image",
    "load_config",
    "parse_config",
    "read_manifest",
    "run_labeling",
]
