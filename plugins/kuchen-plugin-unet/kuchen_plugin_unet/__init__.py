"""Kuchen plugin providing the ``unet`` backbone (the Kuchen paper's U-Net, §3.3) and ``kuchen``, the
pre-processing method trained with it."""

from __future__ import annotations

from typing import Callable

import kuchen_core

from .backbone import UNetBackbone
from .method import KuchenPreprocessing


@kuchen_core.hookimpl
def register_backbones(register: Callable[[type], None]) -> None:
    register(UNetBackbone)


@kuchen_core.hookimpl
def register_methods(register: Callable[[type], None]) -> None:
    register(KuchenPreprocessing)


__all__ = ["KuchenPreprocessing", "UNetBackbone", "register_backbones", "register_methods"]
