"""Kuchen plugin providing the ``webp`` codec (lossy WebP through Pillow's libwebp)."""

from __future__ import annotations

from typing import Callable

import kuchen_core

from .codec import WebpCodec


@kuchen_core.hookimpl
def register_codecs(register: Callable[[type], None]) -> None:
    register(WebpCodec)


__all__ = ["WebpCodec", "register_codecs"]
