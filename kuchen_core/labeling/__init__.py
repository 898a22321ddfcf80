"""The hybrid data-labeling system (the paper's Algorithm 1) behind ``kuchen label``.

config (TOML) → plan (checked against the registry) → one task per image on an executor
(evaluate: prefix-shared groups, content cache, label) → manifest and summary.
"""

from __future__ import annotations

from .config import LabelConfig, LabelConfigError, MetricConfig, load_config, parse_config
from .evaluate import ImageOutcome, ImageTask, label_image
from .groups import make_groups
from .inputs import InputImage, discover
from .manifest import read_manifest
from .plan import LabelPlan, build_plan
from .run import RunResult, run_labeling

__all__ = [
    "ImageOutcome",
    "ImageTask",
    "InputImage",
    "LabelConfig",
    "LabelConfigError",
    "LabelPlan",
    "MetricConfig",
    "RunResult",
    "build_plan",
    "discover",
    "label_image",
    "load_config",
    "make_groups",
    "parse_config",
    "read_manifest",
    "run_labeling",
]
