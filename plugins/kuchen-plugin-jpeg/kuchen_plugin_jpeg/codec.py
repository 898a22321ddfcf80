"""JPEG as a Kuchen codec: Pillow's writer and reader, i.e. the libjpeg-turbo in Pillow's wheels.

The defaults (4:2:0, optimised Huffman tables, baseline) are what most tools write, so the
"Original" row of a comparison is the JPEG users actually get.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import PIL
from PIL import Image, features

from kuchen_core import Codec, CodecInfo, Param, check_image, decode_with_pillow

JPEG_MAGIC = b"\xff\xd8\xff"
MAX_SIDE = 65500  # libjpeg's JPEG_MAX_DIMENSION; the format itself stores 16-bit sizes


class JpegCodec(Codec):
    """libjpeg-turbo JPEG at a quality, chroma subsampling and entropy-coding mode."""

    info = CodecInfo(
        name="jpeg",
        description="JPEG via libjpeg-turbo (Pillow); optimised Huffman tables by default",
        extension=".jpg",
        quality_range=(1, 100),
        higher_quality_is_better=True,
        params=(
            Param(
                "subsampling",
                "4:2:0",
                "chroma subsampling: 4:2:0 halves colour resolution both ways, 4:2:2 horizontally, 4:4:4 keeps it",
                choices=("4:2:0", "4:2:2", "4:4:4"),
            ),
            Param("optimize", True, "compute optimal Huffman tables (smaller file, same pixels)"),
            Param("progressive", False, "write a progressive JPEG (several scans) instead of a baseline one"),
        ),
    )

    def encode(self, image: np.ndarray, quality: int) -> bytes:
        check_image(image)
        height, width = image.shape[:2]
        if max(height, width) > MAX_SIDE:
            raise ValueError(f"jpeg: images are limited to {MAX_SIDE} pixels a side, got {width}x{height}")
        buffer = io.BytesIO()
        Image.fromarray(image).save(
            buffer,
            format="JPEG",
            quality=self.check_quality(quality),
            subsampling=self.params["subsampling"],
            optimize=self.params["optimize"],
            progressive=self.params["progressive"],
        )
        return buffer.getvalue()

    def decode(self, data: bytes) -> np.ndarray:
        return decode_with_pillow(data, "jpeg", "JPEG", "JPEG", _is_jpeg, "no FF D8 FF start-of-image marker")

    def proxy(self) -> Any:
        """libjpeg's pipeline in torch with this quality's real tables (see ``proxy.py``); 4:2:0 and 4:4:4."""
        if self.params["subsampling"] == "4:2:2":
            return None
        from .proxy import JpegProxy

        return JpegProxy(subsampling=self.params["subsampling"])

    def library_versions(self) -> dict[str, str]:
        turbo = features.version("libjpeg_turbo")
        if turbo:
            return {"pillow": PIL.__version__, "libjpeg-turbo": turbo}
        return {"pillow": PIL.__version__, "libjpeg": features.version("jpg") or "unknown"}


def _is_jpeg(data: bytes) -> bool:
    """Every JPEG starts with SOI and a marker, so a damaged one can be told from bytes that never were one."""
    return data.startswith(JPEG_MAGIC)
