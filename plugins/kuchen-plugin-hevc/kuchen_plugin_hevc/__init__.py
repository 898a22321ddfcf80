"""Kuchen plugin providing the ``hevc`` codec (HEVC still images in HEIF through pillow-heif)."""

from __future__ import annotations

from typing import Callable

import kuchen_core

from .codec import HevcCodec


@kuchen_core.hookimpl
def register_codecs(register: Callable[[type], None]) -> None:
    register(HevcCodec)


__all__ = ["HevcCodec", "register_codecs"]
