"""JPEG XL as a Kuchen codec, through ``pillow-jxl-plugin`` (a maintained Rust binding whose wheels
carry libjxl). The binding is imported when a codec runs, so listing plugins stays light.

Quality 0..99 is libjxl's lossy VarDCT mode at that quality (libjxl maps it to a Butteraugli
distance); 100 is its lossless mode. The encoder runs on one thread, so bytes are the same on
every machine.
"""

from __future__ import annotations

import io
from importlib.metadata import PackageNotFoundError, version

import numpy as np
import PIL
from PIL import Image

from kuchen_core import Codec, CodecInfo, Param, check_image, decode_with_pillow

ENCODER_THREADS = 1
SIGNATURES = (b"\xff\x0a", b"\x00\x00\x00\x0cJXL \r\n\x87\n")  # a bare codestream, the ISO BMFF container


def _binding() -> None:
    """Register JPEG XL with Pillow (importing the plugin does that), or say how to get it."""
    try:
        import pillow_jxl  # noqa: F401
    except ImportError:
        raise RuntimeError("jxl: pillow-jxl-plugin is not installed; pip install 'pillow-jxl-plugin>=1.3'") from None


class JxlCodec(Codec):
    """libjxl at a quality and an encoder effort; reads any JPEG XL back as RGB."""

    info = CodecInfo(
        name="jxl",
        description="JPEG XL via libjxl (pillow-jxl-plugin): lossy VarDCT at quality 0-99, lossless at 100",
        extension=".jxl",
        quality_range=(0, 100),
        higher_quality_is_better=True,
        params=(Param("effort", 7, "encoder effort: 1 is fastest, 9 slowest and smallest", minimum=1, maximum=9),),
    )

    def encode(self, image: np.ndarray, quality: int) -> bytes:
        check_image(image)
        quality = self.check_quality(quality)
        _binding()
        buffer = io.BytesIO()
        options = {"lossless": True} if quality == 100 else {"quality": quality}
        Image.fromarray(image).save(
            buffer, format="JXL", effort=self.params["effort"], num_threads=ENCODER_THREADS, **options
        )
        return buffer.getvalue()

    def decode(self, data: bytes) -> np.ndarray:
        _binding()
        return decode_with_pillow(
            data, "jxl", "JXL", "JPEG XL", lambda head: head.startswith(SIGNATURES), "no JPEG XL signature"
        )

    def library_versions(self) -> dict[str, str]:
        try:
            binding = version("pillow-jxl-plugin")
        except PackageNotFoundError:
            binding = "not installed"
        return {"pillow": PIL.__version__, "pillow-jxl-plugin": binding}
