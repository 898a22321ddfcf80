"""The run's outputs besides the labels: ``manifest.jsonl`` (one row per image, in input order)
and ``summary.json``, both replaced atomically at the end of a run.

Rows are streamed from the content cache, where workers left them, so the driver holds only
their keys; an image that failed as a whole gets a row with its error.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Sequence

import attrs

from ..runtime.cache import ContentCache
from ..runtime.files import atomic_output, write_atomic
from .plan import LabelPlan

MANIFEST = "manifest.jsonl"
SUMMARY = "summary.json"


def write_manifest(plan: LabelPlan, rows: Sequence[str | dict[str, Any]]) -> Path:
    """``rows[i]`` is image i's record key in the cache, or its error row."""
    cache = ContentCache(plan.cache_dir)
    path = Path(plan.output) / MANIFEST
    with atomic_output(path) as tmp, open(tmp, "w", encoding="utf-8") as handle:
        for row in rows:
            if isinstance(row, str):
                row = cache.get(row) or {"image": None, "error": f"manifest row {row} is missing from the cache"}
            handle.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")
    return path


def read_manifest(output: str | os.PathLike) -> list[dict[str, Any]]:
    with open(Path(output) / MANIFEST, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def write_summary(plan: LabelPlan, totals: dict[str, Any], extra: dict[str, Any]) -> Path:
    """The plan (every plugin with its provenance, the groups) and the run's totals."""
    described = {
        "methods": [attrs.asdict(m) | {"provenance": json.loads(m.provenance)} for m in plan.methods],
        "groups": [plan.group_name(g) for g in plan.groups],
        "codec": attrs.asdict(plan.codec) | {"provenance": json.loads(plan.codec.provenance)},
        "qualities": list(plan.qualities),
        "metrics": [
            {
                "label": m.component.label,
                "spec": m.component.spec,
                "reference": "original" if m.use_reference else "none",
                "weight": m.weight,
                "higher_is_better": m.higher_is_better,
                "provenance": json.loads(m.component.provenance),
            }
            for m in plan.metrics
        ],
        "rate_weight": plan.rate_weight,
        "cache": plan.cache_dir,
        "plugin_modules": list(plan.plugin_modules),
    }
    text = json.dumps({"plan": described, **totals, **extra}, indent=2, ensure_ascii=False)
    return write_atomic(Path(plan.output) / SUMMARY, text + "\n")
