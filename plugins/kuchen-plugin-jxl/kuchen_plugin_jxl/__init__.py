"""Kuchen plugin providing the ``jxl`` codec (JPEG XL through pillow-jxl-plugin's libjxl)."""

from __future__ import annotations

from typing import Callable

import kuchen_core

from .codec import JxlCodec


@kuchen_core.hookimpl
def register_codecs(register: Callable[[type], None]) -> None:
    register(JxlCodec)


__all__ = ["JxlCodec", "register_codecs"]
