"""Drive a labeling run: one task per image through an executor, a progress bar, then the
manifest and summary. Everything finished is already in the cache, so re-running the same
config after a crash or a kill resumes where it stopped.
"""

from __future__ import annotations

import time
from typing import Any, Iterator, Sequence

import attrs

from ..runtime import files
from .evaluate import ImageOutcome, ImageTask, label_image
from ..runtime.executors import Executor, run_tasks
from .inputs import InputImage
from .manifest import write_manifest, write_summary
from .plan import LabelPlan
from .report import Tally


@attrs.frozen
class RunResult:
    tally: Tally
    elapsed: float
    manifest: str
    summary: str


def prepare_output(plan: LabelPlan) -> None:
    """Before any work, the output and cache folders are ready (:func:`~kuchen_core.runtime.files.prepare_output`)."""
    files.prepare_output(plan.output, plan.cache_dir, ("output folder", "cache folder"))


def run_labeling(
    plan: LabelPlan, images: Sequence[InputImage], executor: Executor, progress: bool = False
) -> RunResult:
    """Label ``images`` per ``plan`` on ``executor``; failures are counted in the result, not raised."""
    prepare_output(plan)
    start = time.perf_counter()
    tally = Tally()
    rows: list[str | dict[str, Any]] = [{} for _ in images]
    tasks: Iterator[ImageTask] = (ImageTask(plan, i, image) for i, image in enumerate(images))
    bar = {"total": len(images), "desc": "label", "unit": "img", "disable": not progress}

    def status() -> dict[str, Any] | None:
        return {"failed": tally.failed_evaluations + tally.failed_images} if tally.failed else None

    for outcome in run_tasks(executor, label_image, tasks, _failed, bar, status):
        tally.add(outcome)
        rows[outcome.index] = outcome.record_key or {"image": outcome.name, "error": outcome.error}
    manifest = write_manifest(plan, rows)
    elapsed = time.perf_counter() - start
    summary = write_summary(plan, tally.to_json(), {"elapsed_s": round(elapsed, 3), "executor": executor.description})
    return RunResult(tally, elapsed, str(manifest), str(summary))


def _failed(task: ImageTask, error: str) -> ImageOutcome:
    """A task that raised or whose worker died is a failed image."""
    return ImageOutcome(task.index, task.image.name, error=error)
