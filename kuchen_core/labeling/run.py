"""Drive a labeling run: one task per image through an executor, a progress bar, then the
manifest and summary. Everything finished is already in the cache, so re-running the same
config after a crash or a kill resumes where it stopped.
"""

from __future__ import annotations

import time
from typing import Any, Iterator, Sequence

import attrs

from ..runtime.files import ensure_output_dir, sweep_stale_temps
from .evaluate import ImageOutcome, ImageTask, label_image
from ..runtime.executors import Done, Executor
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
    """Before any work: the output and cache folders exist and are writable, and the temporary files a
    killed run left there are gone (raises :class:`~kuchen_core.runtime.files.OutputError`)."""
    ensure_output_dir(plan.output, "output folder")
    ensure_output_dir(plan.cache_dir, "cache folder")
    sweep_stale_temps(plan.output, skip=[plan.cache_dir])


def run_labeling(
    plan: LabelPlan,
    images: Sequence[InputImage],
    executor: Executor,
    progress: bool = False,
    window: int | None = None,
) -> RunResult:
    """Label ``images`` per ``plan`` on ``executor``; failures are counted in the result, not raised."""
    from tqdm import tqdm

    prepare_output(plan)
    start = time.perf_counter()
    tally = Tally()
    rows: list[str | dict[str, Any]] = [{} for _ in images]
    tasks: Iterator[ImageTask] = (ImageTask(plan, i, image) for i, image in enumerate(images))
    with tqdm(total=len(images), desc="label", unit="img", disable=not progress, dynamic_ncols=True) as bar:
        for done in executor.map_unordered(label_image, tasks, window):
            outcome = _outcome(done)
            tally.add(outcome)
            rows[outcome.index] = outcome.record_key or {"image": outcome.name, "error": outcome.error}
            bar.update(1)
            if tally.failed:
                bar.set_postfix(failed=tally.failed_evaluations + tally.failed_images, refresh=False)
    manifest = write_manifest(plan, rows)
    elapsed = time.perf_counter() - start
    summary = write_summary(plan, tally.to_json(), {"elapsed_s": round(elapsed, 3), "executor": executor.description})
    return RunResult(tally, elapsed, str(manifest), str(summary))


def _outcome(done: Done[ImageTask, ImageOutcome]) -> ImageOutcome:
    """A task that raised or whose worker died becomes a failed image."""
    if done.result is not None:
        return done.result
    return ImageOutcome(done.item.index, done.item.image.name, error=done.error)
