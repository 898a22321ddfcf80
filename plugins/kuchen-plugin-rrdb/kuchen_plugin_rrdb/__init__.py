"""Kuchen plugin providing the ``rrdb`` backbone (ESRGAN's RRDB as a same-size post-filter)."""
from __future__ import annotations

from typing import Callable

import kuchen_core

from .backbone import RRDBBackbone


@kuchen_core.hookimpl
def register_backbones(register: Callable[[type], None]) -> None:
    register(RRDBBackbone)


__all__ = ["RRDBBackbone", "register_backbones"]
