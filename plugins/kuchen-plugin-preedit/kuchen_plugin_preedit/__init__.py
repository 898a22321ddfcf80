"""Kuchen plugin providing rate-aware pre-editing: the ``blockedit`` backbone and the codecs
``rd-jpeg``, ``rd-webp`` and ``rd-hevc`` (stock codecs behind a pre-editor trained through their
differentiable twins; see docs/rate-aware-training.md)."""
from __future__ import annotations

from typing import Callable

import kuchen_core

from .backbone import BlockEditBackbone
from .codec import RdHevcCodec, RdJpegCodec, RdWebpCodec


@kuchen_core.hookimpl
def register_backbones(register: Callable[[type], None]) -> None:
    register(BlockEditBackbone)


@kuchen_core.hookimpl
def register_codecs(register: Callable[[type], None]) -> None:
    for codec in (RdJpegCodec, RdWebpCodec, RdHevcCodec):
        register(codec)


__all__ = ["BlockEditBackbone", "RdHevcCodec", "RdJpegCodec", "RdWebpCodec", "register_backbones", "register_codecs"]
