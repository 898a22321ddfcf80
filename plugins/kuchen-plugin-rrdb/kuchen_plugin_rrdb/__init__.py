"""Kuchen plugin providing the ``rrdb`` backbone (ESRGAN's RRDB as a same-size post-filter) and
the trained post-filter methods ``rrdb-jpeg`` and ``rrdb-hevc``."""

from __future__ import annotations

from typing import Callable

import kuchen_core

from .backbone import RRDBBackbone
from .methods import HevcPostFilter, JpegPostFilter


@kuchen_core.hookimpl
def register_backbones(register: Callable[[type], None]) -> None:
    register(RRDBBackbone)


@kuchen_core.hookimpl
def register_methods(register: Callable[[type], None]) -> None:
    register(JpegPostFilter)
    register(HevcPostFilter)


__all__ = ["HevcPostFilter", "JpegPostFilter", "RRDBBackbone", "register_backbones", "register_methods"]
