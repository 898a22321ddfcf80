"""Per-image scoring across groups (paper Algorithm 1, with the sign of the rate term fixed).

Z(x) = (x − mean) / σ over the groups of one image (population σ; σ = 0 ⇒ Z = 0), then
Score = Σ_m ±w_m·Z(Q_m) − w_r·Z(BPP), the sign making every metric "higher is better".
"""

from __future__ import annotations

import math
from typing import Sequence


def zscores(values: Sequence[float]) -> list[float]:
    if not values:
        return []
    mean = math.fsum(values) / len(values)
    sigma = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / len(values))
    return [0.0 if sigma == 0 else (v - mean) / sigma for v in values]


def scores(
    qualities: Sequence[Sequence[float]],
    bpps: Sequence[float],
    weights: Sequence[float],
    higher_is_better: Sequence[bool],
    rate_weight: float,
) -> tuple[list[float], list[list[float]], list[float]]:
    """Return (score, Z(Q) per metric, Z(BPP)) per group; ``qualities[m][j]`` is metric m on group j."""
    z_quality = [zscores(values) for values in qualities]
    z_bpp = zscores(bpps)
    signed = [weight if better else -weight for weight, better in zip(weights, higher_is_better)]
    total = [
        math.fsum(w * z[j] for w, z in zip(signed, z_quality)) - rate_weight * z_rate for j, z_rate in enumerate(z_bpp)
    ]
    return total, z_quality, z_bpp


def winner(values: Sequence[float]) -> int:
    """Index of the highest score; ties go to the earlier group (the identity group comes first)."""
    return max(range(len(values)), key=lambda j: (values[j], -j))
