"""What a training step minimises and what validation measures, one class per kind of training
(``RateDistortionObjective`` is in ``rate_distortion.py``). The trainer only calls ``loss`` and
``validate`` and keeps the checkpoint whose ``validate()[best_key]`` is best.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..nn.tiling import run_tiled
from .losses import make_loss
from .pairs import Pair


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return math.inf if mse == 0 else 10 * math.log10(255.0**2 / mse)


class PairObjective:
    """``loss(model(input), target)``; best checkpoint = highest validation PSNR of the output."""

    best_key = "psnr_out"
    higher_is_better = True

    def __init__(self, torch: Any, loss: str) -> None:
        self.loss_fn = make_loss(torch, loss)

    def loss(self, model: Any, inputs: Any, targets: Any, seed: list[int]) -> Any:
        return self.loss_fn(model(inputs).float(), targets)

    def validate(self, model: Any, pairs: list[Pair], device: str) -> dict[str, float]:
        """Mean PSNR of the network's uint8 output (what users get) and of its input, per target."""
        before = [psnr(p.input, p.target) for p in pairs]
        after = [psnr(run_tiled(model, p.input, device=device), p.target) for p in pairs]
        return {
            "psnr_in": float(np.mean(before)),
            "psnr_out": float(np.mean(after)),
            "gain_db": float(np.mean(after) - np.mean(before)),
            "images": len(pairs),
        }

    def describe(self, scores: dict[str, float]) -> str:
        return f"validation PSNR {scores['psnr_out']:.3f} dB ({scores['gain_db']:+.3f} dB over the input)"
