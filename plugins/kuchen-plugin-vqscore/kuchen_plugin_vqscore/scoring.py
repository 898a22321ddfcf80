"""Score a whole image with a VQNet: deterministic crops on the 8-px grid, scored in one batch and
averaged. Shared by the ``vqscore`` metric and the training script's validation, so the numbers
in the README are the metric's own."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

MIN_SIDE = 16  # the CNN halves the grid four times: below 16 px there is no whole cell to judge


def crop_starts(side: int, crop: int, grid: int) -> list[int]:
    """Up to ``grid`` evenly spaced starts of ``min(crop, side)``-px windows, first at 0, last at the
    far edge when the grid allows it; all on multiples of 8 (JPEG's block grid, as in training)."""
    size = min(crop, side)
    count = min(grid, math.ceil(side / crop))
    if count == 1:
        return [0]
    span = side - size
    return sorted({int(span * i / (count - 1)) // 8 * 8 for i in range(count)})


def crops(image: np.ndarray, crop: int, grid: int) -> np.ndarray:
    """The crops of a uint8 H×W×3 image as an N×h×w×3 array (all the same size)."""
    height, width = image.shape[:2]
    if height < MIN_SIDE or width < MIN_SIDE:
        raise ValueError(f"vqscore needs images of at least {MIN_SIDE}×{MIN_SIDE} pixels, got {width}×{height}")
    h, w = min(crop, height), min(crop, width)
    return np.stack(
        [
            image[top : top + h, left : left + w]
            for top in crop_starts(height, crop, grid)
            for left in crop_starts(width, crop, grid)
        ]
    )


def predict(net: Any, image: np.ndarray, crop: int, grid: int) -> float:
    """The mean of ``net``'s clamped 0-100 scores over the image's crops."""
    import torch

    batch = torch.from_numpy(crops(image, crop, grid)).permute(0, 3, 1, 2).float().div_(255.0)
    with torch.inference_mode():
        return float(net(batch).clamp(0.0, 100.0).mean())
