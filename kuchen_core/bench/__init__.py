"""``kuchen bench``: pre-processings × codecs × metrics on a set of images —
Table 1, BD-rate, matched-quality savings, post-processing, RD curves, per-image JSONL, a
summary JSON with CompressAI's ``name``/``description``/``results`` keys and an HTML report.

config → plan (checked against the registry) → one task per (image, pre-processing) and per
(image, post-filter) on the runtime's executors, every encode in its content cache → aggregates
→ outputs. matplotlib and ``bjontegaard`` are imported only where plots and BD-rates are made.
"""

from __future__ import annotations

from .bdrate import bd_rate
from .config import BenchConfigError, load_toml, make_config, split_chain
from .inputs import discover
from .plan import build_plan
from .run import run_bench
from .search import lowest_passing, meets

__all__ = [
    "BenchConfigError",
    "bd_rate",
    "build_plan",
    "discover",
    "load_toml",
    "lowest_passing",
    "make_config",
    "meets",
    "run_bench",
    "split_chain",
]
