"""VQNet: a CNN that turns a crop into feature tokens, a transformer encoder that relates them,
and a regression head — the shape of the VQscore model the Kuchen paper scores images with.

The CNN's first convolution reads every pixel (JPEG blocks and ringing live at 8 px); it halves
the grid four times: every token summarises a 16×16 cell. There is no position embedding — quality
does not depend on where a cell is — so any crop size works. The transformer lets cells compare
notes (a smooth sky next to blocky edges), and the head regresses SSIMULACRA2 on 0-100 from the
mean token.
"""

from __future__ import annotations

import torch
from torch import nn


def _conv(cin: int, cout: int, stride: int) -> list[nn.Module]:
    conv = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
    nn.init.kaiming_normal_(conv.weight, nonlinearity="relu")  # keeps the signal alive through the stack
    return [conv, nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]


class LocalContrast(nn.Module):
    """Mean-subtracted, contrast-normalised luma (BRISQUE's MSCN, Kang et al.'s CNN-IQA input): it
    removes what the scene is and keeps how its pixels deviate — where blur, noise, blocking and
    ringing show. A fixed 7×7 Gaussian window; nothing to learn."""

    def __init__(self, sigma: float = 7 / 6) -> None:
        super().__init__()
        offsets = torch.arange(7, dtype=torch.float32) - 3
        line = torch.exp(-(offsets**2) / (2 * sigma**2))
        window = torch.outer(line, line)
        self.register_buffer("window", (window / window.sum())[None, None], persistent=False)
        self.register_buffer("luma", torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = (x * self.luma).sum(1, keepdim=True)
        padded = nn.functional.pad(y, (3, 3, 3, 3), mode="replicate")
        mean = nn.functional.conv2d(padded, self.window)
        var = nn.functional.conv2d(nn.functional.pad(y * y, (3, 3, 3, 3), mode="replicate"), self.window) - mean**2
        # a floor of 1e-20 under the square root: the same value in float32 (1e-10 vanishes next to
        # 1/255), but a finite gradient on flat regions, where sqrt(0) would give an infinite one
        return (y - mean) / (var.clamp_min(1e-20).sqrt() + 1 / 255)


class VQNet(nn.Module):
    def __init__(self, width: int = 16, dim: int = 128, layers: int = 2, heads: int = 4) -> None:
        super().__init__()
        # The 1/2 level gets one conv (it is the costliest); 1/4 and 1/8 get a second to see further.
        self.contrast = LocalContrast()
        stem: list[nn.Module] = _conv(4, width, 2)
        for cin, cout in ((width, 2 * width), (2 * width, 4 * width)):
            stem += _conv(cin, cout, 2) + _conv(cout, cout, 1)
        stem.append(nn.Conv2d(4 * width, dim, 3, stride=2, padding=1))
        self.stem = nn.Sequential(*stem)
        layer = nn.TransformerEncoderLayer(
            dim, heads, dim_feedforward=2 * dim, dropout=0.0, activation="gelu", batch_first=True, norm_first=True
        )
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.head = nn.Sequential(nn.LayerNorm(dim), nn.Linear(dim, dim // 2), nn.GELU(), nn.Linear(dim // 2, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """N×3×H×W floats in [0, 1] → N predicted scores (about 0-100; clamp when reporting)."""
        features = torch.cat([x - 0.5, self.contrast(x)], dim=1)
        tokens = self.stem(features).flatten(2).transpose(1, 2)  # N × cells × dim
        pooled = self.encoder(tokens).mean(dim=1)
        return 50.0 + 50.0 * self.head(pooled).squeeze(1)
