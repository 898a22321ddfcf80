"""Building blocks of differentiable codec twins ("proxies") for rate-aware training.

A proxy is a ``torch.nn.Module`` mapping an N×3×H×W batch in [0, 1] and a quality to
``(reconstruction, estimated bits per image)``. ``BlockTransformProxy`` is the shape every
built-in proxy shares: a transform codec on a fixed block grid — colour transform, optional
4:2:0 chroma subsampling, level shift, orthonormal block DCT, quantisation by a table that
depends on the quality, the inverse path — plus a rate model linear in a few statistics of the
quantised coefficients. JPEG *is* this codec (exact tables, grid and colour path); WebP and HEVC
are approximated by it with fitted step sizes (a "virtual codec").

The forward pass is the hard-rounded codec, in training as in evaluation. Backward,
sample roundings are the identity (straight-through) and the quantiser has the slope of a cubic
soft rounding, large only near rounding boundaries, so the gradient says which coefficients a
small edit would move to another step: that is what lets a pre-editor learn, as trellis and
dead-zone quantisers do, to drop a coefficient just above a boundary when the bits saved are
worth more than the error added. torch is imported when this module
is, so plugins import it only inside ``Codec.proxy``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

# JFIF / ITU-R BT.601 full range, as libjpeg's jccolor.c and jdcolor.c use it. Plain numbers, not
# tensors: a module-level tensor made while a checkpoint is checked on torch's meta device is empty.
_RGB_TO_YCBCR = ((0.299, 0.587, 0.114), (-0.168735892, -0.331264108, 0.5), (0.5, -0.418687589, -0.081312411))
_YCBCR_TO_RGB = ((1.0, 0.0, 1.402), (1.0, -0.344136286, -0.714136286), (1.0, 1.772, 0.0))

RATE_FEATURES = ("log_ac", "nonzero_ac", "log_dc_delta", "blocks")


def ste_round(x: torch.Tensor) -> torch.Tensor:
    """``round(x)`` forward, identity backward (for sample roundings, one level in 255)."""
    return x + (torch.round(x) - x).detach()


def quantise(u: torch.Tensor) -> torch.Tensor:
    """``round(u)`` forward; backward, the slope of ``round(u) + (u − round(u))³``: 0 on an integer,
    3/4 at a rounding boundary (see the module doc). An identity slope would instead tell the
    pre-editor to boost detail the quantiser then destroys (or rounds up into more bits)."""
    hard = torch.round(u)
    soft = hard.detach() + (u - hard.detach()) ** 3
    return hard.detach() + soft - soft.detach()


def rgb_to_ycbcr(rgb255: torch.Tensor) -> torch.Tensor:
    """N×3×H×W RGB in 0..255 → YCbCr in 0..255 (chroma centred on 128)."""
    ycc = torch.einsum("ij,njhw->nihw", torch.tensor(_RGB_TO_YCBCR, dtype=torch.float64).to(rgb255), rgb255)
    return ycc + torch.tensor([0.0, 128.0, 128.0], device=rgb255.device, dtype=rgb255.dtype).view(1, 3, 1, 1)


def ycbcr_to_rgb(ycc: torch.Tensor) -> torch.Tensor:
    """Inverse of ``rgb_to_ycbcr`` (unclamped)."""
    centred = ycc - torch.tensor([0.0, 128.0, 128.0], device=ycc.device, dtype=ycc.dtype).view(1, 3, 1, 1)
    return torch.einsum("ij,njhw->nihw", torch.tensor(_YCBCR_TO_RGB, dtype=torch.float64).to(ycc), centred)


def dct_matrix(size: int = 8) -> torch.Tensor:
    """The orthonormal DCT-II matrix: JPEG's 8×8 FDCT is ``D @ block @ D.T`` with ``D = dct_matrix(8)``."""
    k = torch.arange(size, dtype=torch.float64).view(-1, 1)
    n = torch.arange(size, dtype=torch.float64).view(1, -1)
    matrix = torch.cos(math.pi * (2 * n + 1) * k / (2 * size)) * math.sqrt(2.0 / size)
    matrix[0] /= math.sqrt(2.0)
    return matrix


def block_dct(plane: torch.Tensor, size: int) -> torch.Tensor:
    """N×H×W (H, W multiples of ``size``) → the N×(H/size)×(W/size)×size×size block DCT."""
    n, h, w = plane.shape
    d = dct_matrix(size).to(plane)
    return d @ plane.reshape(n, h // size, size, w // size, size).permute(0, 1, 3, 2, 4) @ d.T


def block_idct(coefficients: torch.Tensor) -> torch.Tensor:
    """Inverse of ``block_dct``."""
    n, by, bx, size, _ = coefficients.shape
    d = dct_matrix(size).to(coefficients)
    return (d.T @ coefficients @ d).permute(0, 1, 3, 2, 4).reshape(n, by * size, bx * size)


def fancy_upsample(planes: torch.Tensor) -> torch.Tensor:
    """libjpeg's "fancy" h2v2 upsampling: a separable triangle filter (3/4, 1/4), edges repeated."""
    padded = F.pad(planes, (1, 1, 1, 1), mode="replicate")
    n, c, h, w = planes.shape
    # rows: each input row gives two output rows, 3/4 of itself and 1/4 of the nearer neighbour
    up = 0.75 * padded[:, :, 1:-1] + 0.25 * padded[:, :, :-2]
    down = 0.75 * padded[:, :, 1:-1] + 0.25 * padded[:, :, 2:]
    rows = torch.stack([up, down], dim=3).reshape(n, c, 2 * h, w + 2)
    left = 0.75 * rows[..., 1:-1] + 0.25 * rows[..., :-2]
    right = 0.75 * rows[..., 1:-1] + 0.25 * rows[..., 2:]
    return torch.stack([left, right], dim=-1).reshape(n, c, 2 * h, 2 * w)


def rate_features(quantised: torch.Tensor, unrounded: torch.Tensor) -> torch.Tensor:
    """Per-image statistics of one plane's quantised blocks (N×by×bx×s×s) → N×4 (``RATE_FEATURES``).

    ``log_ac``: Σ log2(1 + |q|) over AC coefficients (the magnitude bits of Huffman/arithmetic
    coding); ``nonzero_ac``: how many are non-zero (one symbol each), counted exactly forward with
    the gradient of a sigmoid step at |u| = 1/2 (where a coefficient becomes zero); ``log_dc_delta``: Σ log2(1 + |ΔDC|) along each block row (DC is coded
    as a difference); ``blocks``: the block count (end-of-block symbols and per-block overhead).
    """
    ac_mask = torch.ones(quantised.shape[-2:], device=quantised.device, dtype=quantised.dtype)
    ac_mask[0, 0] = 0
    magnitude = quantised.abs()
    log_ac = (torch.log2(1 + magnitude) * ac_mask).flatten(1).sum(1)
    step = torch.sigmoid(8.0 * (unrounded.abs() - 0.5))
    nonzero = (magnitude > 0.5).to(step) + (step - step.detach())
    nonzero_ac = (nonzero * ac_mask).flatten(1).sum(1)
    dc = quantised[..., 0, 0]
    dc_delta = torch.cat([dc[:, :, :1], dc[:, :, 1:] - dc[:, :, :-1]], dim=2)
    log_dc = torch.log2(1 + dc_delta.abs()).flatten(1).sum(1)
    blocks = torch.full((quantised.shape[0],), float(dc[0].numel()), device=quantised.device, dtype=quantised.dtype)
    return torch.stack([log_ac, nonzero_ac, log_dc, blocks], dim=1)


class BlockTransformProxy(nn.Module):
    """A block-DCT transform codec whose tables come from ``tables(quality)``; see the module doc.

    Subclasses implement ``tables(quality) -> (luma, chroma)``, each N×size×size quantiser steps
    for an N-vector of qualities. ``rate_weights`` holds the fitted bits per unit of each rate
    feature, luma then chroma (2 × 4 values), then a constant per file (headers).
    """

    rate_weights: torch.Tensor

    def __init__(self, block: int, subsampling: bool, rate_weights: Sequence[float], fancy: bool = True) -> None:
        super().__init__()
        self.block = block
        self.subsampling = subsampling
        self.fancy = fancy
        if len(rate_weights) != 2 * len(RATE_FEATURES) + 1:
            raise ValueError(f"rate_weights needs {2 * len(RATE_FEATURES) + 1} values, got {len(rate_weights)}")
        self.register_buffer("rate_weights", torch.tensor(list(rate_weights), dtype=torch.float32), persistent=False)

    def tables(self, quality: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        raise NotImplementedError

    def forward(self, x: torch.Tensor, quality: float | torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The reconstruction and the estimated bits per image (rate features · weights + a per-file constant)."""
        recon, features = self.encode_decode(x, quality)
        return recon, features @ self.rate_weights[:-1] + self.rate_weights[-1]

    def encode_decode(self, x: torch.Tensor, quality: float | torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The reconstruction (N×3×H×W in [0, 1]) and the N×8 rate features (luma, then chroma)."""
        n, _, height, width = x.shape
        q = torch.as_tensor(quality, dtype=torch.float32, device=x.device).reshape(-1).expand(n)
        luma_table, chroma_table = self.tables(q)
        mcu = self.block * (2 if self.subsampling else 1)
        pixels = ste_round(x.clamp(0.0, 1.0) * 255.0)
        pixels = F.pad(pixels, (0, -width % mcu, 0, -height % mcu), mode="replicate")
        ycc = ste_round(rgb_to_ycbcr(pixels))
        chroma = ycc[:, 1:]
        if self.subsampling:
            chroma = ste_round(F.avg_pool2d(chroma, 2))  # 2×2 means: libjpeg's h2v2 downsampling
        y_rec, y_features = self._plane(ycc[:, 0], luma_table)
        c_parts = [self._plane(chroma[:, i], chroma_table) for i in range(2)]
        c_rec = torch.stack([part[0] for part in c_parts], dim=1)
        if self.subsampling:
            c_rec = ste_round(fancy_upsample(c_rec) if self.fancy else F.interpolate(c_rec, scale_factor=2.0))
        rgb = ste_round(ycbcr_to_rgb(torch.cat([y_rec.unsqueeze(1), c_rec], dim=1))).clamp(0.0, 255.0)
        features = torch.cat([y_features, c_parts[0][1] + c_parts[1][1]], dim=1)
        return rgb[..., :height, :width] / 255.0, features

    def _plane(self, plane: torch.Tensor, table: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        coefficients = block_dct(plane - 128.0, self.block)
        steps = table.view(-1, 1, 1, self.block, self.block)
        unrounded = coefficients / steps
        quantised = quantise(unrounded)
        samples = block_idct(quantised * steps) + 128.0
        return ste_round(samples).clamp(0.0, 255.0), rate_features(quantised, unrounded)


class VirtualCodecProxy(BlockTransformProxy):
    """A codec that is not a block-DCT codec (WebP, HEVC), approximated by one: flat quantiser
    steps for luma and for chroma whose logarithms are interpolated between fitted qualities,
    and a fitted rate model.

    The fit (``benchmarks/fit_proxy.py``) chooses each quality's luma and chroma steps so the
    twin's mean PSNR of Y and of CbCr equal the real codec's on the fitting photos, then the rate
    weights on real file sizes.
    """

    qualities: torch.Tensor
    log_steps: torch.Tensor

    def __init__(
        self,
        block: int,
        subsampling: bool,
        qualities: Sequence[float],
        log_steps: Sequence[float],
        log_chroma_steps: Sequence[float],
        rate_weights: Sequence[float],
    ) -> None:
        super().__init__(block=block, subsampling=subsampling, rate_weights=rate_weights, fancy=False)
        if (
            not len(qualities) == len(log_steps) == len(log_chroma_steps)
            or len(qualities) < 2
            or list(qualities) != sorted(qualities)
        ):
            raise ValueError("qualities must be >= 2 increasing values, with one luma and one chroma log step each")
        self.register_buffer("qualities", torch.tensor(list(qualities), dtype=torch.float32), persistent=False)
        self.register_buffer(
            "log_steps", torch.tensor([list(log_steps), list(log_chroma_steps)], dtype=torch.float32), persistent=False
        )

    def tables(self, quality: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Each quality's flat luma and chroma steps: piecewise-linear in log step, flat beyond the ends."""
        q = quality.clamp(float(self.qualities[0]), float(self.qualities[-1])).contiguous()
        upper = torch.searchsorted(self.qualities, q).clamp(1, len(self.qualities) - 1)
        q0, q1 = self.qualities[upper - 1], self.qualities[upper]
        s0, s1 = self.log_steps[:, upper - 1], self.log_steps[:, upper]
        steps = torch.exp(s0 + (s1 - s0) * (q - q0) / (q1 - q0))
        luma, chroma = (s.view(-1, 1, 1).expand(-1, self.block, self.block) for s in steps)
        return luma, chroma

    @classmethod
    def from_fit(cls, path: str | Path) -> "VirtualCodecProxy":
        """Build the twin a ``benchmarks/fit_proxy.py`` JSON file describes (shipped in the codec's plugin)."""
        fit = json.loads(Path(path).read_text())
        keys = ("block", "subsampling", "qualities", "log_steps", "log_chroma_steps", "rate_weights")
        return cls(**{key: fit[key] for key in keys})
