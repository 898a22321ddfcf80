"""ArNet: a DnCNN-style residual CNN that works at half resolution.

Pixel-unshuffle (2×2 → 12 channels) quarters the cost per layer and doubles the receptive
field, so eight 3×3 layers see 34 px — more than a JPEG 8×8 block and its neighbours — at a
price a CPU can pay. The output is input + predicted correction; the last layer starts at zero,
so an untrained network is the identity.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class ArNet(nn.Module):
    def __init__(self, features: int = 64, layers: int = 8) -> None:
        super().__init__()
        body: list[nn.Module] = [nn.Conv2d(12, features, 3, padding=1), nn.ReLU(inplace=True)]
        for _ in range(layers - 2):
            body += [nn.Conv2d(features, features, 3, padding=1), nn.ReLU(inplace=True)]
        self.body = nn.Sequential(*body)
        self.tail = nn.Conv2d(features, 12, 3, padding=1)
        for layer in self.body:
            if isinstance(layer, nn.Conv2d):  # He init keeps activations alive through the stack
                nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
                nn.init.zeros_(layer.bias)
        nn.init.zeros_(self.tail.weight)
        nn.init.zeros_(self.tail.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        height, width = x.shape[-2:]
        padded = F.pad(x, (0, width % 2, 0, height % 2), mode="replicate") if (height % 2 or width % 2) else x
        correction = F.pixel_shuffle(self.tail(self.body(F.pixel_unshuffle(padded, 2))), 2)
        return x + correction[..., :height, :width]
