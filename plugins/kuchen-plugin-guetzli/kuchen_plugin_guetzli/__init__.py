"""Kuchen plugin providing the ``guetzli`` method (a Guetzli JPEG round trip, tiled)."""

from __future__ import annotations

from typing import Callable

import kuchen_core

from .method import GuetzliMethod


@kuchen_core.hookimpl
def register_methods(register: Callable[[type], None]) -> None:
    register(GuetzliMethod)


__all__ = ["GuetzliMethod", "register_methods"]
