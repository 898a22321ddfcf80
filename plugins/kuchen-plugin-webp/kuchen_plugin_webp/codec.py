"""Lossy WebP as a Kuchen codec, through the libwebp that Pillow's wheels carry.

Only the lossy (VP8) mode is offered: Kuchen's pre-processing trades quality for bits, which
lossless WebP cannot do. libwebp is single-threaded unless asked otherwise, so bytes are
the same on every machine.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import PIL
from PIL import Image, features

from kuchen_core import Codec, CodecInfo, Param, check_image, decode_with_pillow

MAX_SIDE = 16383  # the WebP bitstream stores width and height in 14 bits

PROXY_FIT = Path(__file__).with_name("proxy_fit.json")  # written by benchmarks/fit_proxy.py


class WebpCodec(Codec):
    """libwebp's lossy encoder at a quality and an effort ("method"); reads any WebP back as RGB."""

    info = CodecInfo(
        name="webp",
        description="lossy WebP (VP8 intra) via libwebp (Pillow)",
        extension=".webp",
        quality_range=(0, 100),
        higher_quality_is_better=True,
        params=(Param("method", 4, "encoder effort: 0 is fastest, 6 slowest and smallest", minimum=0, maximum=6),),
    )

    def encode(self, image: np.ndarray, quality: int) -> bytes:
        check_image(image)
        quality = self.check_quality(quality)
        height, width = image.shape[:2]
        if max(height, width) > MAX_SIDE:
            raise ValueError(f"webp: images are limited to {MAX_SIDE} pixels a side, got {width}x{height}")
        buffer = io.BytesIO()
        Image.fromarray(image).save(buffer, format="WEBP", quality=quality, method=self.params["method"])
        return buffer.getvalue()

    def decode(self, data: bytes) -> np.ndarray:
        return decode_with_pillow(data, "webp", "WEBP", "WebP", _is_webp, "no RIFF/WEBP header at the start")

    def proxy(self) -> Any:
        """A fitted block-DCT "virtual codec" standing in for libwebp (see docs/rate-aware-training.md)."""
        from kuchen_core.nn.proxy import VirtualCodecProxy

        return VirtualCodecProxy.from_fit(PROXY_FIT)

    def library_versions(self) -> dict[str, str]:
        return {"pillow": PIL.__version__, "libwebp": features.version("webp") or "unknown"}


def _is_webp(data: bytes) -> bool:
    """A WebP is a RIFF container of type WEBP."""
    return data[:4] == b"RIFF" and data[8:12] == b"WEBP"
