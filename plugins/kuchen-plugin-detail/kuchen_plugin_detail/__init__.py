"""Kuchen plugin providing the ``detail`` method (Pillow's DETAIL filter with a blend strength)."""

from __future__ import annotations

from typing import Callable

import kuchen_core

from .method import DetailMethod


@kuchen_core.hookimpl
def register_methods(register: Callable[[type], None]) -> None:
    register(DetailMethod)


__all__ = ["DetailMethod", "register_methods"]
