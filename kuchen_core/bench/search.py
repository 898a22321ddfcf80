"""Matched quality: the cheapest codec quality at which a processed image still reaches a target score."""

from __future__ import annotations

from typing import Callable, Mapping, Sequence


def meets(value: float, target: float, higher_is_better: bool) -> bool:
    """``value`` is at least as good as ``target`` (with a relative tolerance of 1e-9 for float noise)."""
    slack = 1e-9 * max(1.0, abs(target))
    return value >= target - slack if higher_is_better else value <= target + slack


def lowest_passing(
    scale: Sequence[int], passes: Callable[[int], bool], known: Mapping[int, bool] | None = None
) -> int | None:
    """The first quality of ``scale`` (ordered worst → best) for which ``passes`` holds, by binary
    search, assuming quality only improves along the scale; ``None`` when even the best fails.

    ``known`` holds qualities already evaluated (the BD-rate ladder): they narrow the bracket
    before any new evaluation. ``passes`` is called O(log len(scale)) times.
    """
    position = {q: i for i, q in enumerate(scale)}
    known = {q: ok for q, ok in (known or {}).items() if q in position}
    passing = [position[q] for q, ok in known.items() if ok]
    high = min(passing) if passing else len(scale) - 1
    if not passing and not passes(scale[high]):
        return None
    failing = [position[q] for q, ok in known.items() if not ok and position[q] < high]
    low = max(failing) + 1 if failing else 0
    while low < high:
        middle = (low + high) // 2
        if passes(scale[middle]):
            high = middle
        else:
            low = middle + 1
    return scale[high]
