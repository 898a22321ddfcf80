"""Pillow's ``ImageFilter.DETAIL`` as a method, blended with the original by ``strength``.

The paper's "Detail Filter" baseline: a 3×3 high-pass boost that sharpens before the codec.
``strength`` scales the boost: 0 is the identity, 1 is Pillow's filter, more exaggerates it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import PIL
from PIL import Image, ImageFilter

from kuchen_core import Method, MethodInfo, Param


class DetailMethod(Method):
    """output = original + strength · (DETAIL(original) − original), rounded and clipped to uint8."""

    info = MethodInfo(
        name="detail",
        description="Pillow ImageFilter.DETAIL high-pass enhancement, blended with the original by strength",
        params=(
            Param(
                "strength",
                1.0,
                "blend of the filter's boost: 0 = identity, 1 = Pillow's DETAIL, >1 exaggerates it",
                minimum=0.0,
            ),
        ),
    )

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        if not math.isfinite(self.params["strength"]):
            raise ValueError(f"detail: parameter 'strength' must be a finite number, got {self.params['strength']!r}")

    def apply(self, image: np.ndarray) -> np.ndarray:
        detailed = _pillow_detail(image)
        out = detailed.astype(np.float32)
        out -= image
        out *= self.params["strength"]
        out += image
        np.rint(out, out=out)
        np.clip(out, 0, 255, out=out)
        return out.astype(np.uint8)

    def library_versions(self) -> dict[str, str]:
        return {"pillow": PIL.__version__}


def _pillow_detail(image: np.ndarray) -> np.ndarray:
    """DETAIL on every pixel: Pillow leaves a 1-pixel frame (and images under 3×3) unfiltered,
    so filter an edge-replicated copy one pixel larger on each side and crop back."""
    padded = np.pad(image, ((1, 1), (1, 1), (0, 0)), mode="edge")
    filtered = np.asarray(Image.fromarray(padded).filter(ImageFilter.DETAIL))
    return filtered[1:-1, 1:-1]
