"""The Kuchen U-Net (paper §3.3) as a ``torch.nn.Module``; imported only when a model is built.

``depth`` down levels at scales 1, 1/2, …, 1/2^(depth-1) (the first one at stride 1), a bridge
at 1/2^depth and ``depth`` up levels that each double the size with a 2×2 transposed conv and
concatenate the down level of their scale. Three size doublings need three halvings, so the
bridge supplies the one the stride-1 first level does not: inputs are padded to a multiple of
2^depth. The head predicts the difference that is subtracted from the input (global residual).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def conv3x3(in_channels: int, out_channels: int, stride: int = 1) -> nn.Sequential:
    """3×3 conv + ReLU; padding 1 keeps the size (or halves it exactly at stride 2)."""
    return nn.Sequential(nn.Conv2d(in_channels, out_channels, 3, stride, 1), nn.ReLU(inplace=True))


class DownLevel(nn.Sequential):
    """A 3×3 conv (stride 2 below the first level) then a 3×3 conv that doubles the channels."""

    def __init__(self, in_channels: int, channels: int, stride: int) -> None:
        super().__init__(conv3x3(in_channels, channels, stride), conv3x3(channels, 2 * channels))


class UpLevel(nn.Module):
    """2×2 transposed conv (size ×2), concatenation with the skip, a channel-halving conv, a conv."""

    def __init__(self, in_channels: int, channels: int) -> None:
        super().__init__()
        self.up = nn.ConvTranspose2d(in_channels, channels, 2, stride=2)
        self.halve = conv3x3(2 * channels, channels)
        self.conv = conv3x3(channels, channels)

    def forward(self, x: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        return self.conv(self.halve(torch.cat([self.up(x), skip], dim=1)))


class KuchenUNet(nn.Module):
    """N×3×H×W in [0, 1] → same shape: ``input − predicted difference``, not clamped."""

    def __init__(self, width: int = 32, depth: int = 3) -> None:
        super().__init__()
        self.factor = 2**depth
        skips = [2 * width * 2**level for level in range(depth)]  # each down level's output channels
        self.down = nn.ModuleList(
            DownLevel(3 if level == 0 else skips[level - 1], skips[level] // 2, 1 if level == 0 else 2)
            for level in range(depth)
        )
        self.bridge = nn.Sequential(conv3x3(skips[-1], skips[-1], stride=2), conv3x3(skips[-1], skips[-1]))
        ins = skips[1:] + [skips[-1]]  # what arrives from below: the next up level, or the bridge
        self.up = nn.ModuleList(UpLevel(ins[level], skips[level]) for level in reversed(range(depth)))
        self.head = nn.Conv2d(skips[0], 3, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        height, width = x.shape[-2:]
        pad_h, pad_w = -height % self.factor, -width % self.factor
        # reflect needs pad < size; a tiny image (down to 1×1) is replicated instead
        mode = "reflect" if pad_h < height and pad_w < width else "replicate"
        y = F.pad(x, (0, pad_w, 0, pad_h), mode=mode) if pad_h or pad_w else x
        skips = []
        for level in self.down:
            y = level(y)
            skips.append(y)
        y = self.bridge(y)
        for level, skip in zip(self.up, reversed(skips)):
            y = level(y, skip)
        return x - self.head(y)[..., :height, :width]
