"""PSNR over RGB and over BT.601 luma: the codec community's baseline fidelity numbers."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from kuchen_core import Metric, MetricInfo, check_image

from .color import luma

MAX_DB = 100.0  # identical images have infinite PSNR; a finite cap keeps results JSON- and mean-friendly


def psnr(distorted: np.ndarray, reference: np.ndarray, peak: float = 255.0) -> float:
    """10·log10(peak² / MSE) in dB over all samples, capped at ``MAX_DB`` (identical images give the cap)."""
    mse = float(np.mean((distorted.astype(np.float64) - reference.astype(np.float64)) ** 2))
    if mse == 0.0:
        return MAX_DB
    return min(MAX_DB, 10.0 * math.log10(peak * peak / mse))


class PsnrMetric(Metric):
    """PSNR of the RGB samples (one MSE over the three channels)."""

    info = MetricInfo(
        name="psnr",
        description="peak signal-to-noise ratio over RGB in dB (identical images: capped at 100 dB)",
        needs_reference=True,
        higher_is_better=True,
        range=(0.0, MAX_DB),
        unit="dB",
    )

    def score(self, distorted: np.ndarray, reference: np.ndarray | None = None) -> float:
        reference = self.require_reference(check_image(distorted), reference)
        return psnr(distorted, check_image(reference))

    def loss_form(self) -> Any:
        """Mean squared error over RGB in [0, 1], per image: PSNR's own quantity, minimised."""
        from .losses import mse_loss

        return mse_loss

    def library_versions(self) -> dict[str, str]:
        return {"numpy": np.__version__}


class PsnrYMetric(PsnrMetric):
    """PSNR of BT.601 full-range luma, unrounded: chroma errors only count through Y."""

    info = MetricInfo(
        name="psnr-y",
        description="PSNR of BT.601 full-range luma (Y = 0.299 R + 0.587 G + 0.114 B) in dB, capped at 100 dB",
        needs_reference=True,
        higher_is_better=True,
        range=(0.0, MAX_DB),
        unit="dB",
    )

    plane_score = staticmethod(psnr)  # the score of two luma planes; subclasses swap it

    def score(self, distorted: np.ndarray, reference: np.ndarray | None = None) -> float:
        reference = self.require_reference(check_image(distorted), reference)
        return self.plane_score(luma(distorted), luma(check_image(reference)))

    def loss_form(self) -> None:
        return None  # not modelled: training uses psnr (RGB) or mae


class MaeMetric(Metric):
    """Mean absolute error of the RGB samples: L1, the loss restoration networks train on."""

    info = MetricInfo(
        name="mae",
        description="mean absolute error over RGB in 0..255 (0 for identical images; lower is better)",
        needs_reference=True,
        higher_is_better=False,
        range=(0.0, 255.0),
    )

    def score(self, distorted: np.ndarray, reference: np.ndarray | None = None) -> float:
        reference = self.require_reference(check_image(distorted), reference)
        return float(np.mean(np.abs(distorted.astype(np.float64) - check_image(reference).astype(np.float64))))

    def loss_form(self) -> Any:
        """Mean absolute error over RGB in [0, 1], per image (the score / 255)."""
        from .losses import l1_loss

        return l1_loss

    def library_versions(self) -> dict[str, str]:
        return {"numpy": np.__version__}
