"""Kuchen plugin providing rate-aware pre-editing: the ``deadzone`` backbone and the codecs
``rd-jpeg`` and ``rd-jpegli`` (stock JPEG encoders behind a pre-editor trained through the jpeg
codec's differentiable twin; see docs/rate-aware-training.md)."""

from __future__ import annotations

from typing import Callable

import kuchen_core

from .backbone import DeadZoneBackbone
from .codec import RdJpegCodec, RdJpegliCodec


@kuchen_core.hookimpl
def register_backbones(register: Callable[[type], None]) -> None:
    register(DeadZoneBackbone)


@kuchen_core.hookimpl
def register_codecs(register: Callable[[type], None]) -> None:
    for codec in (RdJpegCodec, RdJpegliCodec):
        register(codec)


__all__ = ["DeadZoneBackbone", "RdJpegCodec", "RdJpegliCodec", "register_backbones", "register_codecs"]
