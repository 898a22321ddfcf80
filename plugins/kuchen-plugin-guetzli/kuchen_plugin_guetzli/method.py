"""Guetzli as a preprocessing method: encode with Google's perceptual JPEG encoder, decode.

Guetzli needs about 250–300 MB of memory per megapixel and about a minute per megapixel, so the
image is encoded in tiles aligned to the 16-pixel MCU grid: besides the input and output arrays,
peak memory depends on the tile size only. ``pyguetzli`` is imported inside ``apply``, never at module level.
"""

from __future__ import annotations

import io
from importlib.metadata import version
from typing import Any

import numpy as np
import PIL
from PIL import Image, features

from kuchen_core import Method, MethodInfo, Param

from .tiling import MCU, tile_slices

# Guetzli's documented minimum (below it "the output will have noticeable artifacts"); pyguetzli
# does not enforce it (it silently treats anything under 70 as 70), so the method does.
MIN_QUALITY = 84
# Guetzli runs no Butteraugli search on an image narrower or shorter than this: it silently
# returns its near-lossless starting JPEG instead. Smaller pieces are padded up to it.
BUTTERAUGLI_MIN_SIDE = 32


class GuetzliMethod(Method):
    """Each MCU-aligned tile is encoded by Guetzli on its own and decoded with Pillow."""

    info = MethodInfo(
        name="guetzli",
        description="Google Guetzli perceptual JPEG encode + decode (pyguetzli), in MCU-aligned tiles",
        params=(
            Param(
                "quality",
                90,
                f"Guetzli JPEG quality; {MIN_QUALITY} is Guetzli's minimum",
                minimum=MIN_QUALITY,
                maximum=100,
            ),
            Param(
                "tile",
                512,
                f"tile side in pixels, a multiple of {MCU}; bounds memory (~250 MB per megapixel of tile)",
                minimum=BUTTERAUGLI_MIN_SIDE,
            ),
        ),
    )

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        tile = self.params["tile"]
        if tile % MCU:
            raise ValueError(
                f"guetzli: parameter 'tile' must be a multiple of {MCU} so tile edges fall on the JPEG "
                f"block grid, got {tile}; use {tile // MCU * MCU} or {(tile // MCU + 1) * MCU}"
            )

    def apply(self, image: np.ndarray) -> np.ndarray:
        import pyguetzli

        out = np.empty_like(image)
        height, width = image.shape[:2]
        for rows, cols in tile_slices(height, width, self.params["tile"], BUTTERAUGLI_MIN_SIDE):
            out[rows, cols] = _round_trip(pyguetzli, image[rows, cols], self.params["quality"])
        return out

    def library_versions(self) -> dict[str, str]:
        versions = {"pyguetzli": version("pyguetzli"), "pillow": PIL.__version__}
        turbo = features.version("libjpeg_turbo")
        if turbo:
            versions["libjpeg-turbo"] = turbo  # the decoder's IDCT shapes the output pixels
        return versions


def _round_trip(pyguetzli: Any, tile: np.ndarray, quality: int) -> np.ndarray:
    """Guetzli-encode one RGB tile (edge-padded to Butteraugli's minimum size) and decode it."""
    height, width = tile.shape[:2]
    padded = np.pad(
        tile,
        ((0, max(0, BUTTERAUGLI_MIN_SIDE - height)), (0, max(0, BUTTERAUGLI_MIN_SIDE - width)), (0, 0)),
        mode="edge",
    )
    data = pyguetzli.process_rgb_bytes(padded.tobytes(), padded.shape[1], padded.shape[0], quality=quality)
    with Image.open(io.BytesIO(data)) as decoded:
        return np.asarray(decoded.convert("RGB"))[:height, :width]
