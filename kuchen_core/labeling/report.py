"""Running totals of a labeling run and the summary printed at its end.

Memory stays bounded whatever the number of images: counts, a winner histogram per quality,
failures per group, and only the first few failure messages verbatim.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import attrs

from .evaluate import ImageOutcome

EXAMPLES = 10


@attrs.define
class Tally:
    images: int = 0
    computed: int = 0
    cached: int = 0
    applications: int = 0
    failed_evaluations: int = 0
    failed_images: int = 0
    seconds: float = 0.0
    winners: dict[int, Counter] = attrs.field(factory=dict)
    failures_by_group: Counter = attrs.field(factory=Counter)
    examples: list[str] = attrs.field(factory=list)

    def add(self, outcome: ImageOutcome) -> None:
        self.images += 1
        self.computed += outcome.computed
        self.cached += outcome.cached
        self.applications += outcome.applications
        self.seconds += outcome.seconds
        if outcome.error is not None:
            self.failed_images += 1
            self._example(f"{outcome.name}: {outcome.error}")
        for quality, group in outcome.winners.items():
            self.winners.setdefault(quality, Counter())[group or "(none: every group failed)"] += 1
        for group, quality, error in outcome.failures:
            self.failed_evaluations += 1
            self.failures_by_group[group] += 1
            self._example(f"{outcome.name} [{group} @ q={quality}]: {error}")

    def _example(self, text: str) -> None:
        if len(self.examples) < EXAMPLES:
            self.examples.append(text)

    @property
    def failed(self) -> bool:
        return bool(self.failed_images or self.failed_evaluations)

    def to_json(self) -> dict[str, Any]:
        return {
            "images": self.images,
            "evaluations_computed": self.computed,
            "evaluations_cached": self.cached,
            "method_applications": self.applications,
            "failed_evaluations": self.failed_evaluations,
            "failed_images": self.failed_images,
            "worker_seconds": round(self.seconds, 3),
            "winners": {str(q): dict(counts.most_common()) for q, counts in sorted(self.winners.items())},
            "failures_by_group": dict(self.failures_by_group.most_common()),
            "failure_examples": self.examples,
        }


def format_summary(tally: Tally, elapsed: float, codec: str) -> list[str]:
    """Lines of the end-of-run summary: throughput, the winner table per quality, what failed."""
    rate = tally.images / elapsed if elapsed > 0 else float("inf")
    lines = [
        f"labelled {tally.images} images in {elapsed:.1f} s ({rate:.2f} img/s): "
        f"{tally.computed} evaluations computed, {tally.cached} from the cache, "
        f"{tally.applications} method applications"
    ]
    for quality, counts in sorted(tally.winners.items()):
        total = sum(counts.values())
        width = max(len("winner group"), *(len(name) for name in counts))
        lines += ["", f"{'winner group'.ljust(width)}  images  share   ({codec} q={quality})"]
        for name, count in counts.most_common():
            lines.append(f"{name.ljust(width)}  {count:6d}  {100 * count / total:5.1f}%")
    if tally.failed:
        lines += [
            "",
            f"FAILED: {tally.failed_evaluations} (image, group, quality) evaluations and "
            f"{tally.failed_images} whole images (details in the manifest)",
        ]
        lines += [f"  {group}: {count} failed" for group, count in tally.failures_by_group.most_common(EXAMPLES)]
        lines.extend(f"  e.g. {example}" for example in tally.examples)
    return lines
