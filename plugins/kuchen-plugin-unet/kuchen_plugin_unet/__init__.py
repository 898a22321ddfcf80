"""Kuchen plugin providing the ``unet`` backbone (the Kuchen paper's U-Net, §3.3)."""
from __future__ import annotations

from typing import Callable

import kuchen_core

from .backbone import UNetBackbone


@kuchen_core.hookimpl
def register_backbones(register: Callable[[type], None]) -> None:
    register(UNetBackbone)


__all__ = ["UNetBackbone", "register_backbones"]
