"""Kuchen plugin providing rate-aware pre-editing: the ``deadzone`` backbone and the codecs
``rd-jpeg``, ``rd-jpegli``, ``rd-webp`` and ``rd-hevc`` (stock encoders behind a pre-editor trained
through a codec's differentiable twin; see docs/rate-aware-training.md)."""

from __future__ import annotations

from typing import Callable

import kuchen_core

from .backbone import DeadZoneBackbone
from .codec import RdHevcCodec, RdJpegCodec, RdJpegliCodec, RdWebpCodec


@kuchen_core.hookimpl
def register_backbones(register: Callable[[type], None]) -> None:
    register(DeadZoneBackbone)


@kuchen_core.hookimpl
def register_codecs(register: Callable[[type], None]) -> None:
    for codec in (RdJpegCodec, RdJpegliCodec, RdWebpCodec, RdHevcCodec):
        register(codec)


__all__ = [
    "DeadZoneBackbone",
    "RdHevcCodec",
    "RdJpegCodec",
    "RdJpegliCodec",
    "RdWebpCodec",
    "register_backbones",
    "register_codecs",
]
