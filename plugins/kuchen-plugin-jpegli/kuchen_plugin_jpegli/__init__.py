"""Kuchen plugin providing the ``jpegli`` codec (Google's jpegli encoder through pyjpegli)."""

from __future__ import annotations

from typing import Callable

import kuchen_core

from .codec import JpegliCodec


@kuchen_core.hookimpl
def register_codecs(register: Callable[[type], None]) -> None:
    register(JpegliCodec)


__all__ = ["JpegliCodec", "register_codecs"]
