"""Kuchen plugin providing the ``model`` method: ``model:path/to/best.safetensors``."""

from __future__ import annotations

from typing import Callable

import kuchen_core

from .method import CheckpointMethod


@kuchen_core.hookimpl
def register_methods(register: Callable[[type], None]) -> None:
    register(CheckpointMethod)


__all__ = ["CheckpointMethod", "register_methods"]
