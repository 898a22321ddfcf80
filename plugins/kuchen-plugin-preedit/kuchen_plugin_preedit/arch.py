"""The block-DCT pre-editor as a ``torch.nn.Module``; imported only when a model is built.

It works where block codecs quantise: a fixed colour transform (BT.601 YCbCr) and an 8×8
orthonormal DCT on the image's own block grid (tiles and training patches start on multiples of
8, so this grid is the encoder's), a small CNN over the grid of blocks that sees every
coefficient of a block and its neighbours plus the codec quality, and per coefficient a gain in
(0, 2) and an offset; then the exact inverse transforms. The last layer starts at zero, so an
untrained network is the identity. All convolutions run at 1/64 of the pixels, which keeps the
editor cheap next to the encoder.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

BLOCK = 8
_RGB_TO_YCC = torch.tensor([[0.299, 0.587, 0.114], [-0.168735892, -0.331264108, 0.5], [0.5, -0.418687589, -0.081312411]])


def dct_basis(size: int = BLOCK) -> torch.Tensor:
    """size²×1×size×size conv filters: filter u·size+v is the (u, v) orthonormal DCT-II basis image."""
    n = torch.arange(size, dtype=torch.float64)
    d = torch.cos(torch.pi * (2 * n.view(1, -1) + 1) * n.view(-1, 1) / (2 * size)) * (2.0 / size) ** 0.5
    d[0] /= 2.0**0.5
    return torch.einsum("ux,vy->uvxy", d, d).reshape(size * size, 1, size, size).float()


class BlockEditNet(nn.Module):
    """N×3×H×W in [0, 1] and N qualities (0..100) → the edited batch, same shape, unclamped."""

    takes_quality = True

    def __init__(self, width: int = 64, layers: int = 3) -> None:
        super().__init__()
        coefficients = 3 * BLOCK * BLOCK
        self.register_buffer("basis", dct_basis().repeat(3, 1, 1, 1), persistent=False)
        self.register_buffer("to_ycc", _RGB_TO_YCC.clone(), persistent=False)
        body: list[nn.Module] = [nn.Conv2d(coefficients + 1, width, 1), nn.ReLU(inplace=True)]
        for _ in range(layers):
            body += [nn.Conv2d(width, width, 3, padding=1, padding_mode="replicate"), nn.ReLU(inplace=True)]
        self.body = nn.Sequential(*body)
        self.head = nn.Conv2d(width, 2 * coefficients, 1)
        nn.init.zeros_(self.head.weight)
        nn.init.zeros_(self.head.bias)

    def forward(self, x: torch.Tensor, quality: torch.Tensor | float = 50.0) -> torch.Tensor:
        height, width = x.shape[-2:]
        pad_h, pad_w = -height % BLOCK, -width % BLOCK
        y = F.pad(x, (0, pad_w, 0, pad_h), mode="replicate") if pad_h or pad_w else x
        ycc = torch.einsum("ij,njhw->nihw", self.to_ycc, y - 0.5)
        coefficients = F.conv2d(ycc, self.basis, stride=BLOCK, groups=3)
        q = torch.as_tensor(quality, dtype=x.dtype, device=x.device).reshape(-1, 1, 1, 1) / 100.0
        features = torch.cat([coefficients, q.expand(x.shape[0], 1, *coefficients.shape[-2:])], dim=1)
        gain_logit, offset = self.head(self.body(features)).chunk(2, dim=1)
        edited = coefficients * 2 * torch.sigmoid(gain_logit) + offset
        ycc = F.conv_transpose2d(edited, self.basis, stride=BLOCK, groups=3)
        rgb = torch.einsum("ij,njhw->nihw", torch.linalg.inv(self.to_ycc), ycc) + 0.5
        return rgb[..., :height, :width]
