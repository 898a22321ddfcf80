"""``kuchen bench``: pre-processings × codecs × metrics on a set of images —
Table 1, BD-rate, matched-quality savings, post-processing, RD curves, per-image JSONL, a
summary JSON with CompressAI's ``name``/``description``/``results`` keys and an HTML report.

config → plan (checked against the registry) → one task per (image, pre-processing) and per
(image, post-filter) on the runtime's executors, every encode in its content cache → aggregates
→ outputs. matplotlib and ``bjontegaard`` are imported only where plots and BD-rates are made.
"""

from __future__ import annotations

from .bdrate import BDRate, bd_rate
from .config import BenchConfig, BenchConfigError, load_toml, make_config, split_chain
from .evaluate import BenchTask, TaskOutcome, run_task
from .inputs import BenchImage, discover
from .plan import BenchPlan, build_plan
from .run import BenchResult, run_bench
from .search import lowest_passing, meets

__all__ = [
    "BDRate",
    "BenchConfig",
    "BenchConfigError",
    "BenchImage",
    "BenchPlan",
    "BenchResult",
    "BenchTask",
    "TaskOutcome",
    "bd_rate",
    "build_plan",
    "discover",
    "load_toml",
    "lowest_passing",
    "make_config",
    "meets",
    "run_bench",
    "run_task",
    "split_chain",
]
