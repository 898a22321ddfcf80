"""Plain numpy measures plugin tests compare pictures with."""

from __future__ import annotations

import numpy as np

from ..training.objectives import psnr


def mean_abs_error(a: np.ndarray, b: np.ndarray) -> float:
    """Mean absolute difference of two uint8 pictures, in 0-255 steps."""
    return float(np.abs(a.astype(np.int16) - b).mean())


__all__ = ["mean_abs_error", "psnr"]
