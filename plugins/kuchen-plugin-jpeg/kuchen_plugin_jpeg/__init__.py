"""Kuchen plugin providing the ``jpeg`` codec (libjpeg-turbo through Pillow)."""

from __future__ import annotations

from typing import Callable

import kuchen_core

from .codec import JpegCodec


@kuchen_core.hookimpl
def register_codecs(register: Callable[[type], None]) -> None:
    register(JpegCodec)


__all__ = ["JpegCodec", "register_codecs"]
