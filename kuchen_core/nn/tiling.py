"""Run an image-to-image network over a large image in tiles, so memory is bounded by the
tile size and not the photo size.

Each tile is computed with ``overlap`` pixels of context on every side and only its interior
is kept, so the seams see the same neighbourhood as a whole-image pass would. Tile origins
fall on multiples of ``align`` (a network's total down-sampling factor), so down-sampling grids
line up with the whole-image pass as well.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np


def run_tiled(
    forward: Callable[[Any], Any],
    image: np.ndarray,
    tile: int = 512,
    overlap: int = 32,
    align: int = 8,
    device: str = "cpu",
) -> np.ndarray:
    """Apply ``forward`` (N×3×h×w float in [0, 1] → same) to a uint8 H×W×3 image, tile by tile."""
    import torch

    if tile % align or overlap % align:
        raise ValueError(f"tile ({tile}) and overlap ({overlap}) must be multiples of align ({align})")
    height, width = image.shape[:2]
    out = np.empty_like(image)
    with torch.inference_mode():
        for top in range(0, height, tile):
            for left in range(0, width, tile):
                y0, x0 = max(top - overlap, 0), max(left - overlap, 0)
                y1, x1 = min(top + tile + overlap, height), min(left + tile + overlap, width)
                patch = torch.from_numpy(image[y0:y1, x0:x1].copy()).to(device)
                batch = patch.permute(2, 0, 1).unsqueeze(0).float().div_(255.0)
                result = forward(batch)[0].clamp_(0.0, 1.0).mul_(255.0).round_().to(torch.uint8)
                inner = result.permute(1, 2, 0)[top - y0 : top - y0 + tile, left - x0 : left - x0 + tile]
                out[top : top + inner.shape[0], left : left + inner.shape[1]] = inner.cpu().numpy()
    return out
