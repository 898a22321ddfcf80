"""Differentiable twins of the metrics (``Metric.loss_form``), in torch, on N×3×H×W batches in [0, 1].

Each returns one loss per image, lower is better and 0 for identical batches. They follow the
numpy metrics beside them: MS-SSIM on BT.601 luma with the same window, constants, valid
filtering, 2×2-mean downsampling and 2003 weights, so ``1 − ms_ssim_loss`` equals ``ms-ssim``'s
score up to float rounding. Imported only by ``loss_form()``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .color import BT601
from .ssim import C1, C2, MS_SSIM_WEIGHTS, WINDOW, gaussian_window, scales_that_fit

_C1, _C2 = C1 / 255.0**2, C2 / 255.0**2  # the same constants for samples in [0, 1]
_MIN_CS = 1e-6  # contrast-structure is clipped at 0 before a fractional power; a floor keeps gradients finite


def _luma(batch: torch.Tensor) -> torch.Tensor:
    weights = torch.tensor(BT601, dtype=batch.dtype, device=batch.device).view(1, 3, 1, 1)
    return (batch * weights).sum(1, keepdim=True)


def _blur(plane: torch.Tensor) -> torch.Tensor:
    """Separable 11×11 Gaussian mean over every full window (valid), as ``ssim._blur_valid``."""
    g = torch.tensor(gaussian_window(), dtype=plane.dtype, device=plane.device)
    plane = F.conv2d(plane, g.view(1, 1, -1, 1))
    return F.conv2d(plane, g.view(1, 1, 1, -1))


def _ssim_maps(x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    mu_x, mu_y = _blur(x), _blur(y)
    var_x = _blur(x * x) - mu_x * mu_x
    var_y = _blur(y * y) - mu_y * mu_y
    cov = _blur(x * y) - mu_x * mu_y
    luminance = (2 * mu_x * mu_y + _C1) / (mu_x * mu_x + mu_y * mu_y + _C1)
    return luminance, (2 * cov + _C2) / (var_x + var_y + _C2)


def _downsample(plane: torch.Tensor) -> torch.Tensor:
    height, width = plane.shape[-2:]
    return F.avg_pool2d(F.pad(plane, (0, width % 2, 0, height % 2), mode="replicate"), 2)


def ms_ssim_loss(distorted: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    """1 − MS-SSIM of BT.601 luma, per image (fewer scales on small images, as the metric)."""
    x, y = _luma(distorted), _luma(reference)
    n_scales = scales_that_fit(*x.shape[-2:])
    if n_scales == 0:
        raise ValueError(f"ms-ssim needs images of at least {WINDOW}×{WINDOW} pixels, got {tuple(x.shape[-2:])}")
    weights = torch.tensor(MS_SSIM_WEIGHTS[:n_scales], dtype=x.dtype)
    weights = weights / weights.sum()
    result = torch.ones(x.shape[0], dtype=x.dtype, device=x.device)
    for scale, weight in enumerate(weights):
        luminance, contrast_structure = _ssim_maps(x, y)
        if scale < n_scales - 1:
            value = contrast_structure.flatten(1).mean(1)
            x, y = _downsample(x), _downsample(y)
        else:
            value = (luminance * contrast_structure).flatten(1).mean(1)
        result = result * value.clamp(min=_MIN_CS) ** float(weight)
    return 1.0 - result


def mse_loss(distorted: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    """Mean squared error over RGB per image: PSNR = −10·log10(loss)."""
    return (distorted - reference).square().flatten(1).mean(1)


def l1_loss(distorted: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    """Mean absolute error over RGB per image, on the [0, 1] scale (``mae``'s score / 255)."""
    return (distorted - reference).abs().flatten(1).mean(1)


def psnr_hvs_m_loss(distorted: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    """PSNR-HVS-M's S per image on the [0, 1] scale (PSNR-HVS-M = −10·log10(loss)) over the whole
    8×8 blocks of BT.601 luma. The masking threshold is the reference's alone (the metric takes the
    larger of both images'), so an edit cannot raise its own masking by adding texture."""
    from .hvs import BLOCK, CSF, MASK, dct_matrix

    x, y = _luma(distorted) * 255.0, _luma(reference) * 255.0
    rows, cols = x.shape[-2] // BLOCK, x.shape[-1] // BLOCK
    if rows == 0 or cols == 0:
        raise ValueError(f"psnr-hvs-m needs images of at least {BLOCK}×{BLOCK} pixels, got {tuple(x.shape[-2:])}")

    def blocks(plane: torch.Tensor) -> torch.Tensor:
        cropped = plane[:, 0, : rows * BLOCK, : cols * BLOCK]
        return cropped.reshape(-1, rows, BLOCK, cols, BLOCK).transpose(2, 3)  # N×rows×cols×8×8

    d = torch.tensor(dct_matrix(), dtype=x.dtype, device=x.device)
    a, b = blocks(y), blocks(x)
    a_dct, b_dct = d @ a @ d.T, d @ b @ d.T
    mask = _masking_threshold(a, a_dct, torch.tensor(MASK, dtype=x.dtype, device=x.device)).detach()[..., None, None]
    csf = torch.tensor(CSF, dtype=x.dtype, device=x.device)
    ac = torch.ones(BLOCK, BLOCK, dtype=x.dtype, device=x.device)
    ac[0, 0] = 0.0
    error = (a_dct - b_dct).abs()
    threshold = mask / torch.tensor(MASK, dtype=x.dtype, device=x.device) * ac
    masked = F.relu(error - threshold)
    return ((masked * csf).square().mean((1, 2, 3, 4))) / 255.0**2


def _masking_threshold(blocks: torch.Tensor, coefficients: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """``hvs.masking_threshold`` in torch, over the last two axes of …×8×8 blocks."""

    def scaled_variance(t: torch.Tensor) -> torch.Tensor:
        return t.flatten(-2).var(-1, unbiased=True) * t.shape[-1] * t.shape[-2]

    ac = torch.ones_like(mask)
    ac[0, 0] = 0.0
    energy = (coefficients.square() * mask * ac).sum((-2, -1))
    whole = scaled_variance(blocks)
    quarters = sum(scaled_variance(blocks[..., r : r + 4, c : c + 4]) for r in (0, 4) for c in (0, 4))
    spread = torch.where(whole != 0, quarters / whole.clamp(min=1e-12), torch.zeros_like(whole))
    return (energy * spread).sqrt() / 32.0
