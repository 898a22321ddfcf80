"""Colour helpers shared by the metrics: image → float planes, with one luma definition."""

from __future__ import annotations

import numpy as np

# ITU-R BT.601 luma weights, full range (JFIF): the Y that JPEG itself encodes
BT601 = np.array([0.299, 0.587, 0.114])


def luma(image: np.ndarray) -> np.ndarray:
    """BT.601 full-range luma of a uint8 RGB image, as float64 in 0..255 (not rounded)."""
    return image.astype(np.float64) @ BT601
