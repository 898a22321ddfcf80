"""Kuchen plugin providing the ``arnet`` backbone and the trained ``ar`` artifact-removal method."""

from __future__ import annotations

from typing import Callable

import kuchen_core

from .backbone import ArNetBackbone
from .method import ArtifactRemoval


@kuchen_core.hookimpl
def register_backbones(register: Callable[[type], None]) -> None:
    register(ArNetBackbone)


@kuchen_core.hookimpl
def register_methods(register: Callable[[type], None]) -> None:
    register(ArtifactRemoval)


__all__ = ["ArNetBackbone", "ArtifactRemoval", "register_backbones", "register_methods"]
