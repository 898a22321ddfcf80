"""Kuchen plugin providing the ``nlmeans`` method (OpenCV fast non-local-means denoising)."""

from __future__ import annotations

from typing import Callable

import kuchen_core

from .method import NlMeansMethod


@kuchen_core.hookimpl
def register_methods(register: Callable[[type], None]) -> None:
    register(NlMeansMethod)


__all__ = ["NlMeansMethod", "register_methods"]
