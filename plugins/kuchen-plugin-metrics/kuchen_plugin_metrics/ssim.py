"""SSIM (Wang et al. 2004) and MS-SSIM (Wang et al. 2003) on BT.601 luma, in plain numpy.

Both follow the authors' reference code: an 11×11 Gaussian window (σ = 1.5) applied without
padding ("valid": only windows fully inside the image count), K1 = 0.01, K2 = 0.03, L = 255,
and for MS-SSIM a 2×2 mean filter then subsampling between scales, with the 2003 weights.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from kuchen_core import Metric, MetricInfo, check_image

from .color import luma

WINDOW = 11
SIGMA = 1.5
C1 = (0.01 * 255) ** 2
C2 = (0.03 * 255) ** 2
MS_SSIM_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)


def gaussian_window(size: int = WINDOW, sigma: float = SIGMA) -> np.ndarray:
    """1-D normalised Gaussian; its outer product is MATLAB's ``fspecial('gaussian', size, sigma)``."""
    offsets = np.arange(size) - (size - 1) / 2
    weights = np.exp(-(offsets**2) / (2 * sigma * sigma))
    return weights / weights.sum()


_WEIGHTS = gaussian_window()


def _blur_valid(plane: np.ndarray) -> np.ndarray:
    """Separable Gaussian-weighted mean of every full 11×11 window: (H−10)×(W−10)."""
    rows = sliding_window_view(plane, WINDOW, axis=0) @ _WEIGHTS
    return sliding_window_view(rows, WINDOW, axis=1) @ _WEIGHTS


def _check_size(plane: np.ndarray, what: str) -> None:
    height, width = plane.shape
    if height < WINDOW or width < WINDOW:
        raise ValueError(f"{what} needs images of at least {WINDOW}×{WINDOW} pixels, got {width}×{height}")


def ssim_maps(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Luminance and contrast-structure maps of two float planes (one value per 11×11 window)."""
    mu_x, mu_y = _blur_valid(x), _blur_valid(y)
    var_x = _blur_valid(x * x) - mu_x * mu_x
    var_y = _blur_valid(y * y) - mu_y * mu_y
    cov = _blur_valid(x * y) - mu_x * mu_y
    luminance = (2 * mu_x * mu_y + C1) / (mu_x * mu_x + mu_y * mu_y + C1)
    contrast_structure = (2 * cov + C2) / (var_x + var_y + C2)
    return luminance, contrast_structure


def ssim(x: np.ndarray, y: np.ndarray) -> float:
    """Mean SSIM of two planes in 0..255 (at least 11×11); symmetric, 1.0 only when identical."""
    _check_size(x, "ssim")
    luminance, contrast_structure = ssim_maps(x.astype(np.float64), y.astype(np.float64))
    return float(np.mean(luminance * contrast_structure))


def downsample(plane: np.ndarray) -> np.ndarray:
    """Wang's ``imfilter(ones(2)/4, 'symmetric')`` then ``(1:2:end)``: 2×2 means, odd edges repeated."""
    height, width = plane.shape
    padded = np.pad(plane, ((0, height % 2), (0, width % 2)), mode="edge")
    return padded.reshape(padded.shape[0] // 2, 2, padded.shape[1] // 2, 2).mean(axis=(1, 3))


def scales_that_fit(height: int, width: int, wanted: int = len(MS_SSIM_WEIGHTS)) -> int:
    """How many dyadic scales keep both sides at least one 11×11 window (0 if even the first does not)."""
    scales = 0
    while scales < wanted and min(height, width) >= WINDOW:
        scales += 1
        height, width = (height + 1) // 2, (width + 1) // 2
    return scales


def ms_ssim(x: np.ndarray, y: np.ndarray) -> float:
    """Multi-scale SSIM in [0, 1] of two planes in 0..255.

    Images too small for five scales use as many as fit, with those scales' weights rescaled to
    sum to 1 (so identical images still score 1). Negative contrast-structure means are clipped
    to 0 before the fractional powers, as TensorFlow's ``ssim_multiscale`` does.
    """
    _check_size(x, "ms-ssim")
    n_scales = scales_that_fit(*x.shape)
    weights = np.array(MS_SSIM_WEIGHTS[:n_scales])
    weights /= weights.sum()
    x, y = x.astype(np.float64), y.astype(np.float64)
    result = 1.0
    for scale, weight in enumerate(weights):
        luminance, contrast_structure = ssim_maps(x, y)
        if scale < n_scales - 1:
            value = np.mean(contrast_structure)
            x, y = downsample(x), downsample(y)
        else:
            value = np.mean(luminance * contrast_structure)
        result *= max(float(value), 0.0) ** weight
    return result


class SsimMetric(Metric):
    """SSIM of BT.601 luma: the classic single-scale structural similarity."""

    info = MetricInfo(
        name="ssim",
        description="SSIM (Wang et al. 2004) on BT.601 luma: 11×11 Gaussian window σ=1.5, no padding",
        needs_reference=True,
        higher_is_better=True,
        range=(-1.0, 1.0),
    )

    def score(self, distorted: np.ndarray, reference: np.ndarray | None = None) -> float:
        reference = self.require_reference(check_image(distorted), reference)
        return ssim(luma(distorted), luma(check_image(reference)))

    def library_versions(self) -> dict[str, str]:
        return {"numpy": np.__version__}


class MsSsimMetric(SsimMetric):
    """MS-SSIM of BT.601 luma, five scales (fewer on small images, see ``ms_ssim``)."""

    info = MetricInfo(
        name="ms-ssim",
        description="multi-scale SSIM (Wang et al. 2003) on BT.601 luma, 5 scales or as many as fit",
        needs_reference=True,
        higher_is_better=True,
        range=(0.0, 1.0),
    )

    def score(self, distorted: np.ndarray, reference: np.ndarray | None = None) -> float:
        reference = self.require_reference(check_image(distorted), reference)
        return ms_ssim(luma(distorted), luma(check_image(reference)))

    def loss_form(self) -> Any:
        """1 − MS-SSIM of luma, in torch (``losses.ms_ssim_loss``)."""
        from .losses import ms_ssim_loss

        return ms_ssim_loss
