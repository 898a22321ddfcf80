"""ESRGAN's residual-in-residual dense blocks (as in BasicSR ``rrdbnet_arch.py``), same-size output.

Imported only when a model is built. Unlike ESRGAN there is no upsampling: the network predicts
a correction that is added to the decoded image (global residual), and the last conv starts at
zero so an untrained post-filter is the identity ("do no harm") and training departs from it.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def scaled_kaiming_(module: nn.Module, scale: float) -> None:
    """Kaiming-normal conv weights times ``scale``, zero biases: ESRGAN's init for deep residual stacks."""
    for layer in module.modules():
        if isinstance(layer, nn.Conv2d):
            nn.init.kaiming_normal_(layer.weight)
            layer.weight.data.mul_(scale)
            nn.init.zeros_(layer.bias)


class ResidualDenseBlock(nn.Module):
    """Five 3×3 convs, each seeing all earlier outputs; the result is added back scaled by 0.2."""

    def __init__(self, features: int, growth: int) -> None:
        super().__init__()
        self.convs = nn.ModuleList(
            nn.Conv2d(features + i * growth, growth if i < 4 else features, 3, padding=1) for i in range(5)
        )
        self.lrelu = nn.LeakyReLU(0.2, inplace=True)
        scaled_kaiming_(self, 0.1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = [x]
        for conv in self.convs[:-1]:
            features.append(self.lrelu(conv(torch.cat(features, dim=1))))
        return x + 0.2 * self.convs[-1](torch.cat(features, dim=1))


class RRDB(nn.Module):
    """Three dense blocks in series with a residual around them, scaled by 0.2."""

    def __init__(self, features: int, growth: int) -> None:
        super().__init__()
        self.rdbs = nn.Sequential(*(ResidualDenseBlock(features, growth) for _ in range(3)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + 0.2 * self.rdbs(x)


class RRDBNet(nn.Module):
    """N×3×H×W in [0, 1] → same shape: ``input + predicted correction``, not clamped."""

    def __init__(self, blocks: int = 1, features: int = 32, growth: int = 16, unshuffle: int = 1) -> None:
        super().__init__()
        self.unshuffle = unshuffle
        channels = 3 * unshuffle**2
        self.conv_first = nn.Conv2d(channels, features, 3, padding=1)
        self.body = nn.Sequential(*(RRDB(features, growth) for _ in range(blocks)))
        self.conv_body = nn.Conv2d(features, features, 3, padding=1)
        self.conv_last = nn.Conv2d(features, channels, 3, padding=1)
        nn.init.zeros_(self.conv_last.weight)
        nn.init.zeros_(self.conv_last.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = self.unshuffle
        if s == 1:
            feat = self.conv_first(x)
            return x + self.conv_last(feat + self.conv_body(self.body(feat)))
        height, width = x.shape[-2:]
        padded = F.pad(x, (0, -width % s, 0, -height % s), mode="replicate") if (height % s or width % s) else x
        feat = self.conv_first(F.pixel_unshuffle(padded, s))
        correction = F.pixel_shuffle(self.conv_last(feat + self.conv_body(self.body(feat))), s)
        return x + correction[..., :height, :width]


@torch.no_grad()
def grow_blocks(source: RRDBNet, target: RRDBNet) -> None:
    """Make the deeper ``target`` compute exactly what ``source`` computes, so it can be fine-tuned from there.

    Shared layers are copied. Each extra block gets its dense blocks' last convs zeroed, which turns
    every dense block into the identity and the RRDB into ``1.2 * x``; ``conv_body`` is divided by
    1.2 per extra block to cancel that. Training then departs from the shallower network's optimum
    instead of from scratch (network growing).
    """
    extra = len(target.body) - len(source.body)
    if extra < 0 or target.conv_first.weight.shape != source.conv_first.weight.shape:  # features, unshuffle
        raise ValueError("grow_blocks needs a target with as many or more blocks and otherwise the same shape")
    for name in ("conv_first", "conv_body", "conv_last"):
        getattr(target, name).load_state_dict(getattr(source, name).state_dict())
    for kept, block in zip(source.body, target.body):
        block.load_state_dict(kept.state_dict())
    for block in list(target.body)[len(source.body) :]:
        for rdb in block.rdbs:
            nn.init.zeros_(rdb.convs[-1].weight)
            nn.init.zeros_(rdb.convs[-1].bias)
    target.conv_body.weight.div_(1.2**extra)
