"""Small in-process plugins for the core's own tests (no codec library needed)."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from kuchen_core import (
    Codec,
    CodecInfo,
    Method,
    MethodInfo,
    Metric,
    MetricInfo,
    Param,
    hookimpl,
)


class PillowPng(Codec):
    info = CodecInfo(
        name="fakepng",
        description="Lossless PNG whose 'quality' is the zlib level (tests only)",
        extension=".png",
        quality_range=(0, 9),
        higher_quality_is_better=False,
    )

    def encode(self, image: np.ndarray, quality: int) -> bytes:
        buffer = io.BytesIO()
        Image.fromarray(image).save(buffer, format="PNG", compress_level=quality)
        return buffer.getvalue()

    def decode(self, data: bytes) -> np.ndarray:
        return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))

    def library_versions(self) -> dict[str, str]:
        import PIL

        return {"pillow": PIL.__version__}


class FakeJpeg(Codec):
    info = CodecInfo(name="fakejpeg", description="Pillow JPEG (tests only)", extension=".jpg", quality_range=(1, 100))

    def encode(self, image: np.ndarray, quality: int) -> bytes:
        buffer = io.BytesIO()
        Image.fromarray(image).save(buffer, format="JPEG", quality=quality)
        return buffer.getvalue()

    def decode(self, data: bytes) -> np.ndarray:
        return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))

    def library_versions(self) -> dict[str, str]:
        import PIL

        return {"pillow": PIL.__version__}


class Invert(Method):
    info = MethodInfo(
        name="invert", description="255 - x", params=[Param("amount", 1.0, "blend", minimum=0, maximum=1)]
    )

    def apply(self, image: np.ndarray) -> np.ndarray:
        amount = self.params["amount"]
        return np.rint(image * (1 - amount) + (255 - image.astype(np.float64)) * amount).astype(np.uint8)


class MeanError(Metric):
    info = MetricInfo(
        name="mae", description="Mean absolute error", needs_reference=True, higher_is_better=False, range=(0, 255)
    )

    def score(self, distorted: np.ndarray, reference: np.ndarray | None = None) -> float:
        reference = self.require_reference(distorted, reference)
        return float(np.abs(distorted.astype(np.float64) - reference).mean())


class GoodPlugin:
    @hookimpl
    def register_codecs(self, register):
        register(PillowPng)
        register(FakeJpeg)

    @hookimpl
    def register_methods(self, register):
        register(Invert)

    @hookimpl
    def register_metrics(self, register):
        register(MeanError)
