"""The ``jpeg`` codec's differentiable twin: libjpeg's own pipeline in torch.

Same colour transform, 4:2:0 box downsampling, level shift, 8×8 DCT on the same block grid, the
very quantisation tables ``jpeg_set_quality`` writes (IJG scaling of the ITU-T T.81 Annex K
tables, baseline-clamped to 1..255), hard rounding forward and straight-through backward,
fancy upsampling on decode. Only the entropy coder is modelled rather than run: its size is a
linear function of coefficient statistics, fitted to real optimised-Huffman files
(``benchmarks/fit_proxy.py``; accuracy in docs/rate-aware-training.md).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

from kuchen_core.nn.proxy import BlockTransformProxy

RATE_FIT = Path(__file__).with_name("proxy_rate.json")

ANNEX_K_LUMA = np.array(
    [
        [16, 11, 10, 16, 24, 40, 51, 61],
        [12, 12, 14, 19, 26, 58, 60, 55],
        [14, 13, 16, 24, 40, 57, 69, 56],
        [14, 17, 22, 29, 51, 87, 80, 62],
        [18, 22, 37, 56, 68, 109, 103, 77],
        [24, 35, 55, 64, 81, 104, 113, 92],
        [49, 64, 78, 87, 103, 121, 120, 101],
        [72, 92, 95, 98, 112, 100, 103, 99],
    ]
)
ANNEX_K_CHROMA = np.full((8, 8), 99)
ANNEX_K_CHROMA[:4, :4] = [[17, 18, 24, 47], [18, 21, 26, 66], [24, 26, 56, 99], [47, 66, 99, 99]]


def ijg_table(base: np.ndarray, quality: int) -> np.ndarray:
    """``jpeg_set_quality(quality, force_baseline=TRUE)``: IJG's percentage scaling of ``base``."""
    quality = min(max(int(quality), 1), 100)
    scale = 5000 // quality if quality < 50 else 200 - 2 * quality
    return np.clip((base * scale + 50) // 100, 1, 255)


def _ijg_tables(base: torch.Tensor, quality: torch.Tensor) -> torch.Tensor:
    """``ijg_table`` for an N-vector of qualities, as N×8×8 float steps."""
    q = quality.round().clamp(1, 100)
    scale = torch.where(q < 50, torch.floor(5000 / q), 200 - 2 * q)
    return torch.floor((base * scale.view(-1, 1, 1) + 50) / 100).clamp(1, 255)


def read_rate_weights(path: Path = RATE_FIT) -> list[float]:
    return [float(w) for w in json.loads(path.read_text())["rate_weights"]]


class JpegProxy(BlockTransformProxy):
    """libjpeg at ``quality`` (1..100), 4:2:0 or 4:4:4, as a torch module; see the module doc."""

    def __init__(self, subsampling: str = "4:2:0", rate_weights: list[float] | None = None) -> None:
        if subsampling not in ("4:2:0", "4:4:4"):
            raise ValueError(f"jpeg proxy: models 4:2:0 and 4:4:4 chroma, not {subsampling}")
        super().__init__(
            block=8,
            subsampling=subsampling == "4:2:0",
            rate_weights=rate_weights if rate_weights is not None else read_rate_weights(),
        )
        self.register_buffer("luma_base", torch.tensor(ANNEX_K_LUMA, dtype=torch.float32), persistent=False)
        self.register_buffer("chroma_base", torch.tensor(ANNEX_K_CHROMA, dtype=torch.float32), persistent=False)

    def tables(self, quality: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return _ijg_tables(self.luma_base, quality), _ijg_tables(self.chroma_base, quality)
