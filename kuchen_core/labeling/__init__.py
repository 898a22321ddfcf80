"""The hybrid data-labeling system (DESIGN.md §3, the paper's Algorithm 1) behind ``kuchen label``.

config (TOML) → plan (checked against the registry) → one task per image on an executor
(evaluate: prefix-shared groups, content cache, label) → manifest and summary.
"""
from __future__ import annotations

from .cache import ContentCache, content_key
from .config import LabelConfig, MetricConfig, load_config, parse_config
from .errors import ExecutorError, LabelConfigError
from .evaluate import ImageOutcome, ImageTask, label_image
from .executors import DaskExecutor, Done, Executor, InlineExecutor, ProcessExecutor, make_executor
from .groups import make_groups
from .inputs import InputImage, discover
from .manifest import read_manifest
from .plan import LabelPlan, build_plan
from .run import RunResult, run_labeling

__all__ = [
    "ContentCache", "DaskExecutor", "Done", "Executor", "ExecutorError", "ImageOutcome", "ImageTask", "InlineExecutor",
    "InputImage", "LabelConfig", "LabelConfigError", "LabelPlan", "MetricConfig", "ProcessExecutor", "RunResult",
    "build_plan", "content_key", "discover", "label_image", "load_config", "make_executor", "make_groups",
    "parse_config", "read_manifest", "run_labeling",
]
