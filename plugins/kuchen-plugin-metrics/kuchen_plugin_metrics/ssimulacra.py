"""SSIMULACRA2 (Cloudinary/JPEG XL's perceptual metric) through the pure-numpy PyPI port.

``ssimulacra2`` (and the scipy it pulls in) is imported only when a score is computed.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from kuchen_core import Metric, MetricInfo, check_image

FLOOR = -100.0
MIN_SIDE = 8  # the reference implementation needs an 8×8 first scale; the port silently returns 100 below it


def _png(image: np.ndarray) -> io.BytesIO:
    """The port reads files with Pillow, so hand it a lossless in-memory PNG."""
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG", compress_level=0)
    buffer.seek(0)
    return buffer


class Ssimulacra2Metric(Metric):
    """SSIMULACRA2: 100 for identical images, ~90 visually lossless, ~50 medium, negative for very bad."""

    info = MetricInfo(
        name="ssimulacra2",
        description="SSIMULACRA2 (PyPI ssimulacra2): 100 = identical; scores below -100 are clipped to -100",
        needs_reference=True,
        higher_is_better=True,
        range=(FLOOR, 100.0),
    )

    def score(self, distorted: np.ndarray, reference: np.ndarray | None = None) -> float:
        from ssimulacra2 import compute_ssimulacra2

        reference = check_image(self.require_reference(check_image(distorted), reference))
        height, width = distorted.shape[:2]
        if height < MIN_SIDE or width < MIN_SIDE:
            raise ValueError(f"ssimulacra2 needs images of at least {MIN_SIDE}×{MIN_SIDE} pixels, got {width}×{height}")
        return max(FLOOR, float(compute_ssimulacra2(_png(reference), _png(distorted))))

    def library_versions(self) -> dict[str, str]:
        import ssimulacra2

        return {"ssimulacra2": ssimulacra2.__version__}
