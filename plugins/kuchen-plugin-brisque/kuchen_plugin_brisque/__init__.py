"""Kuchen plugin providing the no-reference metric ``brisque`` (OpenCV contrib's BRISQUE)."""

from __future__ import annotations

from typing import Callable

import kuchen_core

from .metric import BrisqueMetric


@kuchen_core.hookimpl
def register_metrics(register: Callable[[type], None]) -> None:
    register(BrisqueMetric)


__all__ = ["BrisqueMetric", "register_metrics"]
