"""Testing kit for Kuchen and its plugin authors.

- ``registered(*plugins)``: a context manager making a fresh registry of in-process plugin
  objects the current one, so a test needs nothing installed;
- pytest fixtures (auto-loaded through the ``pytest11`` entry point): ``fresh_registry`` and
  ``kuchen_register``;
- ``mean_abs_error`` and ``psnr``, the measures plugin tests compare pictures with;
- contract checks (``check_codec`` …) and ready-made pytest classes (``CodecContract`` …)
  that a plugin author subclasses to test a plugin against the rules every plugin must keep.
"""

from __future__ import annotations

import contextlib
from typing import Any, Iterator

import numpy as np

from ..registry import Registry, use_registry
from ..training.objectives import psnr
from .contracts import (
    BackboneContract,
    CodecContract,
    MethodContract,
    MetricContract,
    check_backbone,
    check_codec,
    check_codec_proxy,
    check_method,
    check_metric,
    check_metric_loss_form,
    jpeg_ladder,
    sample_photo,
)


@contextlib.contextmanager
def registered(*plugins: Any, installed: bool = False, strict: bool = False) -> Iterator[Registry]:
    """Register plugin objects (modules or instances with ``@hookimpl`` functions) for a ``with`` block."""
    with use_registry(Registry.from_plugins(*plugins, installed=installed, strict=strict)) as registry:
        yield registry


def mean_abs_error(a: np.ndarray, b: np.ndarray) -> float:
    """Mean absolute difference of two uint8 pictures, in 0-255 steps."""
    return float(np.abs(a.astype(np.int16) - b).mean())


__all__ = [
    "BackboneContract",
    "CodecContract",
    "MethodContract",
    "MetricContract",
    "check_backbone",
    "check_codec",
    "check_codec_proxy",
    "check_method",
    "check_metric",
    "check_metric_loss_form",
    "jpeg_ladder",
    "mean_abs_error",
    "psnr",
    "registered",
    "sample_photo",
]
