"""jpegli as a Kuchen codec: Google's libjpeg-compatible encoder that writes smaller JPEGs at the
same visual quality, through PyPI's ``pyjpegli`` (imported only when the codec runs).

Its files are plain JPEGs, so they are decoded by Pillow's libjpeg-turbo — what browsers and
viewers use — rather than by jpegli's own (more precise) decoder: the quality a user sees is
the quality we measure.
"""

from __future__ import annotations

from types import ModuleType

import numpy as np
import PIL
from PIL import features

from kuchen_core import Codec, CodecInfo, check_image, decode_with_pillow

JPEG_MAGIC = b"\xff\xd8\xff"
MAX_SIDE = 65500  # jpegli's (and libjpeg's) JPEG_MAX_DIMENSION


class JpegliCodec(Codec):
    """jpegli at a libjpeg-style quality (baseline, 4:2:0, as pyjpegli writes); decoded by libjpeg-turbo."""

    info = CodecInfo(
        name="jpegli",
        description="JPEG written by Google's jpegli (pyjpegli), decoded by libjpeg-turbo (Pillow)",
        extension=".jpg",
        quality_range=(1, 100),
        higher_quality_is_better=True,
    )

    def encode(self, image: np.ndarray, quality: int) -> bytes:
        check_image(image)
        quality = self.check_quality(quality)
        height, width = image.shape[:2]
        if max(height, width) > MAX_SIDE:
            raise ValueError(f"jpegli: images are limited to {MAX_SIDE} pixels a side, got {width}x{height}")
        return _pyjpegli().encode(np.ascontiguousarray(image), width, height, quality)

    def decode(self, data: bytes) -> np.ndarray:
        return decode_with_pillow(data, "jpegli", "JPEG", "JPEG", _is_jpeg, "no FF D8 FF start-of-image marker")

    def library_versions(self) -> dict[str, str]:
        versions = {"pyjpegli": _pyjpegli().__version__, "pillow": PIL.__version__}
        turbo = features.version("libjpeg_turbo")
        versions["libjpeg-turbo" if turbo else "libjpeg"] = turbo or features.version("jpg") or "unknown"
        return versions


def _pyjpegli() -> ModuleType:
    """pyjpegli, imported when a codec runs, or a clear error saying what to install."""
    try:
        import pyjpegli
    except ImportError as exc:
        raise RuntimeError(f"jpegli: needs pyjpegli ({exc}); install it: pip install 'pyjpegli>=0.3'") from None
    return pyjpegli


def _is_jpeg(data: bytes) -> bool:
    """Every JPEG starts with SOI and a marker, so a damaged one can be told from bytes that never were one."""
    return data.startswith(JPEG_MAGIC)
