"""OpenCV's ``fastNlMeansDenoisingColored`` as a method: noise costs a codec bits and buys no quality.

``cv2`` is imported inside the methods, never at module level, so listing plugins stays light.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from kuchen_core import Method, MethodInfo, Param


class NlMeansMethod(Method):
    """Denoise luminance (``h``) and chroma (``h_color``) separately in CIELAB, as OpenCV does."""

    info = MethodInfo(
        name="nlmeans",
        description="OpenCV fast non-local-means colour denoising (cv2.fastNlMeansDenoisingColored)",
        params=(
            Param("h", 3.0, "luminance filter strength: higher removes more noise and more detail", minimum=0.0),
            Param("h_color", 3.0, "the same for the colour (a*, b*) components", minimum=0.0),
            Param("template_window", 7, "odd side in pixels of the patches compared", minimum=1),
            Param(
                "search_window",
                21,
                "odd side in pixels of the area searched for similar patches (larger is slower)",
                minimum=1,
            ),
        ),
    )

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        for name in ("h", "h_color"):
            if not math.isfinite(self.params[name]):
                raise ValueError(f"nlmeans: parameter {name!r} must be a finite number, got {self.params[name]!r}")
        for name in ("template_window", "search_window"):
            if self.params[name] % 2 == 0:
                raise ValueError(
                    f"nlmeans: parameter {name!r} must be odd (a window centred on the pixel), "
                    f"got {self.params[name]}; use {self.params[name] + 1}"
                )

    def apply(self, image: np.ndarray) -> np.ndarray:
        import cv2

        p = self.params
        bgr = np.ascontiguousarray(image[..., ::-1])  # OpenCV's CIELAB conversion expects BGR
        denoised = cv2.fastNlMeansDenoisingColored(
            bgr, None, p["h"], p["h_color"], p["template_window"], p["search_window"]
        )
        return np.ascontiguousarray(denoised[..., ::-1])

    def library_versions(self) -> dict[str, str]:
        import cv2

        return {"opencv": cv2.__version__}
