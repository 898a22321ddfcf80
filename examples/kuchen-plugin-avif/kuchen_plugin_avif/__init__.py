"""Kuchen plugin providing the ``avif`` codec (AV1 still images through Pillow's libavif)."""

from __future__ import annotations

from typing import Callable

import kuchen_core

from .codec import AvifCodec


@kuchen_core.hookimpl
def register_codecs(register: Callable[[type], None]) -> None:
    register(AvifCodec)


__all__ = ["AvifCodec", "register_codecs"]
