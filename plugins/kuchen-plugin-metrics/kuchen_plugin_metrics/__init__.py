"""Kuchen plugin providing full-reference quality metrics: how close is the decoded image to the original.

``psnr``, ``psnr-y``, ``psnr-hvs-m``, ``mae``, ``ssim`` and ``ms-ssim`` are plain numpy; ``ssimulacra2`` imports its
library on first use; ``butteraugli`` runs libjxl's ``butteraugli_main`` when it is installed.
"""

from __future__ import annotations

from typing import Callable

import kuchen_core

from .butteraugli import ButteraugliMetric
from .hvs import PsnrHvsMMetric
from .psnr import MaeMetric, PsnrMetric, PsnrYMetric
from .ssim import MsSsimMetric, SsimMetric
from .ssimulacra import Ssimulacra2Metric

METRICS = (
    PsnrMetric,
    MaeMetric,
    PsnrYMetric,
    PsnrHvsMMetric,
    SsimMetric,
    MsSsimMetric,
    Ssimulacra2Metric,
    ButteraugliMetric,
)


@kuchen_core.hookimpl
def register_metrics(register: Callable[[type], None]) -> None:
    for metric in METRICS:
        register(metric)


__all__ = [
    "ButteraugliMetric",
    "METRICS",
    "MaeMetric",
    "MsSsimMetric",
    "PsnrHvsMMetric",
    "PsnrMetric",
    "PsnrYMetric",
    "SsimMetric",
    "Ssimulacra2Metric",
    "register_metrics",
]
