"""Kuchen plugin providing the ``vqscore`` no-reference metric (a VQscore-style model trained by Kuchen)."""

from __future__ import annotations

from typing import Callable

import kuchen_core

from .metric import VQScoreMetric


@kuchen_core.hookimpl
def register_metrics(register: Callable[[type], None]) -> None:
    register(VQScoreMetric)


__all__ = ["VQScoreMetric", "register_metrics"]
