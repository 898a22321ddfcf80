"""Drive a bench run through an executor, under a progress bar, and write its outputs.

Every encode is already in the content cache when a task finishes, so running the same bench
again after a crash or a kill redoes only what had not finished.
"""

from __future__ import annotations

import datetime
import json
import platform
import time
from collections import Counter
from pathlib import Path
from typing import Any, Sequence

import attrs

from .. import __version__
from ..runtime import files
from ..runtime.files import file_sha256, write_atomic
from ..runtime.cache import content_key
from ..runtime.executors import Executor, run_tasks
from .aggregate import Aggregator
from .config import BenchConfig
from .evaluate import POST, PRE, BenchTask, TaskOutcome, failed, run_task
from .inputs import BenchImage, list_hash
from .plan import BenchPlan
from .report import CURVES, clear_published, make_crops, plot_curves, slug, write_html
from .tables import all_tables

NAME = "kuchen-bench"
MERGED = ("evaluations", "matched", "post", "errors")  # each task's outcome adds to these lists of its image's row


@attrs.define
class Tally:
    """The tasks' outcomes and counts, updated as each task finishes (the progress bar shows them)."""

    tasks: int
    outcomes: list[TaskOutcome] = attrs.Factory(list)
    computed: int = 0
    cached: int = 0
    errors: list[str] = attrs.Factory(list)


@attrs.frozen
class BenchResult:
    tables: list[str]
    outputs: dict[str, str]
    tally: Tally
    elapsed: float


def prepare_output(config: BenchConfig, plan: BenchPlan) -> Path:
    """Before any work, the output and cache folders are ready (:func:`~kuchen_core.runtime.files.prepare_output`)
    and an earlier run's report is gone."""
    out = files.prepare_output(config.out, plan.cache_dir, ("--out", "--cache"))
    clear_published(out)
    return out


def run_bench(
    config: BenchConfig,
    plan: BenchPlan,
    images: Sequence[BenchImage],
    executor: Executor,
    command: str,
    progress: bool = False,
) -> BenchResult:
    start = time.perf_counter()
    started = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    out = prepare_output(config, plan)
    hashes = [file_sha256(image.path) for image in images]
    images_sha = list_hash(zip((image.name for image in images), hashes))

    tally = _run_tasks(plan, images, executor, progress)
    rows = _rows(plan, images, hashes, tally.outcomes)
    aggregator = Aggregator(plan, rows, config.bd_method)
    results = aggregator.results()
    provenance = {
        "software": {
            "kuchen-core": __version__,
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "plugins": plan.provenance(),
        "parameters": config.to_json(),
        "seed": config.seed,
        "images": {"count": len(images), "sha256": images_sha, "list": [image.name for image in images]},
    }
    provenance_sha = content_key(provenance)
    run_ref = {"provenance_sha256": provenance_sha, "images_sha256": images_sha, "seed": config.seed}
    outputs: dict[str, str] = {}

    jsonl = "\n".join(json.dumps({**row, "run": run_ref}, ensure_ascii=False) for row in rows) + "\n"
    outputs["per_image"] = str(write_atomic(out / "results.jsonl", jsonl))
    tables = all_tables(plan, results) if results["codecs"] else ["no image finished every task: no tables"]
    write_atomic(out / "tables.md", "\n".join(tables) + "\n")
    _write_curves(out / CURVES, results, provenance_sha, provenance)

    compact = json.dumps({"provenance_sha256": provenance_sha, **provenance}, separators=(",", ":"))
    plots = plot_curves(plan, results, out, compact) if results["codecs"] else []
    used = aggregator.used
    crops = make_crops(
        plan, used, {image.name: image.path for image in images}, out, config.crops, config.crop_size, config.seed
    )
    elapsed = time.perf_counter() - start
    meta = {
        "images_sha256": images_sha,
        "seed": config.seed,
        "elapsed_s": elapsed,
        "started": started,
        "executor": executor.description,
        "command": command,
        "provenance": provenance,
    }
    outputs["report"] = str(write_html(plan, results, plots, crops, meta, out, used))
    summary = {
        "name": NAME,
        "description": "Kuchen bench: Table 1, BD-rate and matched-quality savings of pre-processings "
        "against the Original per codec, post-processing, RD curves (see docs/bench.md)",
        "results": results,
        "provenance": {"sha256": provenance_sha, **provenance},
        "run": {
            "started": started,
            "elapsed_s": round(elapsed, 3),
            "executor": executor.description,
            "command": command,
            "tasks": tally.tasks,
            "encodes_computed": tally.computed,
            "encodes_cached": tally.cached,
            "errors": tally.errors,
        },
        "outputs": {"plots": [p["path"] for p in plots], "crops": crops},
    }
    outputs["summary"] = str(write_atomic(out / "summary.json", json.dumps(summary, indent=2, ensure_ascii=False)))
    return BenchResult(tables, outputs, tally, elapsed)


def _run_tasks(plan: BenchPlan, images: Sequence[BenchImage], executor: Executor, progress: bool) -> Tally:
    """Every (image, pre-processing) and (image, post-filter) task through the executor, under a progress bar."""
    tasks = [BenchTask(plan, i, image, PRE, c) for i, image in enumerate(images) for c in range(len(plan.chains))]
    tasks += [BenchTask(plan, i, image, POST, p) for i, image in enumerate(images) for p in range(len(plan.posts))]
    tally = Tally(len(tasks))
    bar = {"total": len(tasks), "desc": "bench", "unit": "task", "disable": not progress}

    def status() -> dict[str, Any]:
        return {"encodes": tally.computed, "cached": tally.cached, "failed": len(tally.errors)}

    for outcome in run_tasks(executor, run_task, tasks, failed, bar, status):
        tally.outcomes.append(outcome)
        tally.computed += outcome.computed
        tally.cached += outcome.cached
        tally.errors.extend(f"{images[outcome.index].name}: {error}" for error in outcome.errors)
    return tally


def _write_curves(curve_dir: Path, results: dict[str, Any], provenance_sha: str, provenance: dict[str, Any]) -> None:
    """One CompressAI-style JSON file per (codec, pre-processing) curve."""
    curve_dir.mkdir(exist_ok=True)
    for curve in results["curves"]:
        document = {
            "name": f"{curve['codec']} + {curve['pre']}",
            "description": f"kuchen bench: {curve['pre']} then {curve['codec']} over qualities "
            f"{curve['quality']}; bpp from real file bytes; metrics are means over "
            f"{results['images']['used']} images; encoding_time and decoding_time in "
            f"{results['time_unit']}",
            "results": {k: v for k, v in curve.items() if k not in ("codec", "pre")},
            "provenance": {"sha256": provenance_sha, **provenance},
        }
        write_atomic(curve_dir / f"{slug(curve['codec'])}__{slug(curve['pre'])}.json", json.dumps(document, indent=2))


def _rows(
    plan: BenchPlan, images: Sequence[BenchImage], hashes: Sequence[str], outcomes: Sequence[TaskOutcome]
) -> list[dict[str, Any]]:
    """One row per image, in input order, with every task's results and errors."""
    rows: list[dict[str, Any]] = [
        {"image": image.name, "sha256": None, "height": None, "width": None, **{field: [] for field in MERGED}}
        for image in images
    ]
    for outcome in sorted(outcomes, key=lambda o: (o.index, o.kind != PRE, o.slot)):
        row = rows[outcome.index]
        if outcome.sha256:
            row.update(sha256=outcome.sha256, height=outcome.height, width=outcome.width)
            if outcome.sha256 != hashes[outcome.index]:
                row["errors"].append("the file changed while the bench ran")
        for field in MERGED:
            row[field].extend(getattr(outcome, field))
    expected = len(plan.chains) + len(plan.posts)
    seen = Counter(outcome.index for outcome in outcomes)
    for i, row in enumerate(rows):
        if seen[i] != expected:
            row["errors"].append(f"{expected - seen[i]} task(s) did not report")
    return rows
