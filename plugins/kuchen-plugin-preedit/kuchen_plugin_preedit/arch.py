"""The dead-zone pre-editor as a ``torch.nn.Module``; imported only when a model is built.

A block codec rounds each DCT coefficient ``u = c / step`` to the nearest integer; encoders that
save bits (trellis in mozjpeg, adaptive dead zones in jpegli, RDOQ in x265) instead round a
coefficient just above a rounding boundary down, when the bits saved are worth the error added.
This network does that in pixels, for any stock encoder: it computes the codec's own
coefficients (BT.601 YCbCr, 4:2:0 box-downsampled chroma, block DCT on the image's grid — 8×8 for
JPEG and the HEVC twin, 4×4 for the WebP twin — divided by the steps of the quality being encoded), predicts for every AC coefficient a dead zone
``θ ∈ (0, 0.45)`` from the magnitudes around it and the steps, shrinks ``|u|`` by ``θ``, and adds
the change back to the pixels. A small CNN over the grid of blocks (all convolutions at one
position per block) makes ``θ`` content-adaptive. Untrained, it is a fixed dead zone (``luma_zone``,
``chroma_zone``): 0.1 on luma by default, the rounding offset of classic dead-zone quantisers;
training learns where to widen or narrow it.
Tiles and training patches start on multiples of 16 (a whole number of 4:2:0 blocks of either
size), so the grid is the twin's.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from kuchen_core.nn.proxy import dct_matrix, rgb_to_ycbcr, ycbcr_to_rgb

MAX_ZONE = 0.45


def dct_basis(size: int) -> torch.Tensor:
    """size²×1×size×size conv filters: filter u·size+v is the (u, v) basis image of the codec twins' DCT."""
    d = dct_matrix(size)
    return torch.einsum("ux,vy->uvxy", d, d).reshape(size * size, 1, size, size).float()


class ZonePredictor(nn.Module):
    """log(1 + |u|) of every coefficient of a block and its neighbours, and log steps → θ per AC coefficient."""

    def __init__(self, width: int, layers: int, start: float, block: int) -> None:
        super().__init__()
        self.coefficients = block * block
        body: list[nn.Module] = [nn.Conv2d(2 * self.coefficients, width, 1), nn.ReLU(inplace=True)]
        for _ in range(layers):
            body += [nn.Conv2d(width, width, 3, padding=1, padding_mode="replicate"), nn.ReLU(inplace=True)]
        self.body = nn.Sequential(*body)
        self.head = nn.Conv2d(width, self.coefficients, 1)
        nn.init.zeros_(self.head.weight)
        share = min(max(start / MAX_ZONE, 1e-4), 1 - 1e-4)
        nn.init.constant_(self.head.bias, math.log(share / (1 - share)))  # θ = start everywhere before training

    def forward(self, u: torch.Tensor, steps: torch.Tensor) -> torch.Tensor:
        log_steps = steps.reshape(-1, self.coefficients, 1, 1).log().expand(-1, -1, *u.shape[-2:])
        return MAX_ZONE * torch.sigmoid(self.head(self.body(torch.cat([torch.log1p(u.abs()), log_steps], dim=1))))


class DeadZoneNet(nn.Module):
    """N×3×H×W in [0, 1] and the twin's N×block×block luma and chroma steps → the edited batch (unclamped)."""

    takes_quantiser = True

    def __init__(
        self,
        width: int = 32,
        layers: int = 2,
        luma_zone: float = 0.1,
        chroma_zone: float = 0.0,
        chroma: bool = True,
        block: int = 8,
    ) -> None:
        super().__init__()
        self.block = block
        self.register_buffer("basis", dct_basis(block), persistent=False)
        ac = torch.ones(block * block)
        ac[0] = 0
        self.register_buffer("ac", ac.view(1, -1, 1, 1), persistent=False)
        self.luma = ZonePredictor(width, layers, luma_zone, block)
        self.chroma = ZonePredictor(width, layers, chroma_zone, block) if chroma else None

    def block_steps(self, steps: torch.Tensor) -> torch.Tensor:
        """The twin's N×s×s steps on this network's block×block grid. A flat table (the webp and hevc
        twins') means the same step at any block size, since the orthonormal DCT keeps a step's
        rounding error per sample whatever the block: so a 4×4 network can sit in front of the 8×8 hevc twin."""
        if steps.shape[-1] == self.block:
            return steps
        flat = steps[..., :1, :1]
        if not bool((steps == flat).all()):
            raise ValueError(
                f"deadzone: this network edits {self.block}×{self.block} blocks, but the twin's "
                f"{steps.shape[-1]}×{steps.shape[-1]} quantiser table is not flat"
            )
        return flat.expand(-1, self.block, self.block)

    def _edit(self, plane: torch.Tensor, steps: torch.Tensor, predictor: ZonePredictor | nn.Module) -> torch.Tensor:
        """The change to one N×1×h×w plane (0..255 scale) that shrinks its AC coefficients' |u| by θ."""
        steps = self.block_steps(steps)
        step = steps.reshape(-1, self.block * self.block, 1, 1)
        u = F.conv2d(plane, self.basis, stride=self.block) / step
        zone = predictor(u, steps) * self.ac
        shrunk = torch.sign(u) * F.relu(u.abs() - zone)
        return F.conv_transpose2d((shrunk - u) * step, self.basis, stride=self.block)

    def forward(self, x: torch.Tensor, luma_steps: torch.Tensor, chroma_steps: torch.Tensor) -> torch.Tensor:
        height, width = x.shape[-2:]
        pad_h, pad_w = -height % (2 * self.block), -width % (2 * self.block)
        y = F.pad(x, (0, pad_w, 0, pad_h), mode="replicate") if pad_h or pad_w else x
        ycc = rgb_to_ycbcr(y * 255.0)
        delta_y = self._edit(ycc[:, :1], luma_steps, self.luma)
        if self.chroma is None:
            delta_c = torch.zeros_like(ycc[:, 1:])
        else:
            chroma = F.avg_pool2d(ycc[:, 1:], 2)  # what the encoder codes; an edit made here survives its downsampling
            n = chroma.shape[0]
            delta_c = self._edit(
                chroma.reshape(2 * n, 1, *chroma.shape[-2:]), chroma_steps.repeat_interleave(2, 0), self.chroma
            )
            delta_c = F.interpolate(delta_c.reshape(n, 2, *chroma.shape[-2:]), scale_factor=2.0, mode="nearest")
        delta = torch.cat([delta_y, delta_c], dim=1)
        centre = torch.tensor([0.0, 128.0, 128.0], device=x.device, dtype=x.dtype).view(1, 3, 1, 1)
        return (y + ycbcr_to_rgb(delta + centre) / 255.0)[..., :height, :width]
