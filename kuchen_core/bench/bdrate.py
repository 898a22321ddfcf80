"""Bjøntegaard delta rate: the average difference in log rate between two rate-quality curves
over the quality interval both cover, as a percentage (negative: fewer bits for the same quality).

The integration is the ``bjontegaard`` package's (Akima, PCHIP or the original cubic fit); this
module prepares the curves: lower-is-better metrics are negated so quality rises along each
curve, points are sorted by quality, and curves that cannot be compared get a reason instead of
a number.
"""

from __future__ import annotations

import math
import warnings
from typing import Sequence

import attrs
import numpy as np


MIN_OVERLAP = 0.5  # below this share of the quality range a BD-rate is reported as n/a


@attrs.frozen
class BDRate:
    value: float | None  # percent; None when it cannot be computed (see ``note``)
    overlap: float = 0.0  # share of the union of the two quality intervals that both cover
    note: str | None = None  # why there is no value, or why it is less reliable


def _prepare(rates: Sequence[float], metric: Sequence[float], sign: float) -> tuple[np.ndarray, np.ndarray, bool]:
    pairs = sorted(
        (float(r), sign * float(m)) for r, m in zip(rates, metric) if r > 0 and math.isfinite(r) and math.isfinite(m)
    )
    monotone = all(b > a for (_, a), (_, b) in zip(pairs, pairs[1:]))
    by_quality = {q: rate for rate, q in reversed(pairs)}  # a repeated quality keeps its cheapest rate
    keys = sorted(by_quality)
    return np.array(keys), np.array([by_quality[q] for q in keys]), monotone


def bd_rate(
    rate_anchor: Sequence[float],
    metric_anchor: Sequence[float],
    rate_test: Sequence[float],
    metric_test: Sequence[float],
    higher_is_better: bool = True,
    method: str = "akima",
) -> BDRate:
    """BD-rate of the test curve against the anchor curve, in percent."""
    sign = 1.0 if higher_is_better else -1.0
    qa, ra, mono_a = _prepare(rate_anchor, metric_anchor, sign)
    qt, rt, mono_t = _prepare(rate_test, metric_test, sign)
    need = 4 if method == "cubic" else 2
    if len(qa) < need or len(qt) < need:
        return BDRate(None, note=f"needs at least {need} distinct points per curve")
    low, high = max(qa[0], qt[0]), min(qa[-1], qt[-1])
    span = max(qa[-1], qt[-1]) - min(qa[0], qt[0])
    overlap = max(high - low, 0.0) / span if span > 0 else 0.0
    if high <= low:
        return BDRate(None, 0.0, "the curves do not overlap in quality")
    import matplotlib

    matplotlib.use("Agg")  # bjontegaard imports pyplot; never open a display
    import bjontegaard

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = float(bjontegaard.bd_rate(ra, qa, rt, qt, method=method, require_matching_points=False, min_overlap=0))
    if not math.isfinite(value):
        return BDRate(None, overlap, "not finite")
    if overlap < MIN_OVERLAP:  # an average over a sliver of the range is not the curves' difference
        return BDRate(
            None, overlap, f"the curves overlap on {overlap:.0%} of their quality range (less than {MIN_OVERLAP:.0%})"
        )
    return BDRate(value, overlap, None if mono_a and mono_t else "quality is not monotone in rate on a curve")
