"""HEVC (H.265 intra) still images in a HEIF file as a Kuchen codec, through pillow-heif.

pillow-heif's wheels carry libheif with x265 (encoder) and libde265 (decoder). It is imported
only when the codec runs, so listing plugins never loads it. Odd sizes need nothing special:
libheif pads to whole coding blocks and records the real size. x265 refuses some very thin
strips (e.g. 1×9000: the width exceeds its level limit for so few samples); those are written
as a HEIF grid of 512×512 tiles, the layout phones use, whose header carries the real size.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from kuchen_core import Codec, CodecInfo, Param, check_image

FALLBACK_TILE = 512
HEIF_BRANDS = (b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1")

PROXY_FIT = Path(__file__).with_name("proxy_fit.json")  # written by benchmarks/fit_proxy.py


class HevcCodec(Codec):
    """x265 at a quality and chroma subsampling, in a HEIF file; reads any HEIF back as RGB."""

    info = CodecInfo(
        name="hevc",
        description="HEVC intra in HEIF (.heic) via pillow-heif: x265 encodes, libde265 decodes",
        extension=".heic",
        quality_range=(0, 100),
        higher_quality_is_better=True,
        params=(
            Param(
                "subsampling",
                "4:2:0",
                "chroma subsampling: 4:2:0 halves colour resolution both ways (what streaming and phones use), "
                "4:2:2 horizontally, 4:4:4 keeps it",
                choices=("4:2:0", "4:2:2", "4:4:4"),
            ),
        ),
    )

    def encode(self, image: np.ndarray, quality: int) -> bytes:
        check_image(image)
        quality = self.check_quality(quality)
        heif = _pillow_heif()
        height, width = image.shape[:2]
        pixels = memoryview(np.ascontiguousarray(image)).cast("B")
        settings = {"format": "HEIF", "quality": quality, "chroma": self.params["subsampling"].replace(":", "")}
        try:
            return _save(heif.from_bytes("RGB", (width, height), pixels), settings)
        except RuntimeError as first:
            try:
                return _save(heif.from_bytes("RGB", (width, height), pixels), settings | {"tile_size": FALLBACK_TILE})
            except RuntimeError:
                raise ValueError(f"hevc: x265 cannot encode a {width}x{height} image ({first})") from None

    def decode(self, data: bytes) -> np.ndarray:
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"hevc: decode expects bytes, got {type(data).__name__}")
        heif = _pillow_heif()
        try:
            image = heif.open_heif(io.BytesIO(data), convert_hdr_to_8bit=True)
            if image.mode == "RGB":
                return np.array(image, dtype=np.uint8)
            return np.array(image.to_pillow().convert("RGB"), dtype=np.uint8)
        except (ValueError, RuntimeError, OSError, EOFError) as exc:
            raise ValueError(
                f"hevc: cannot decode {len(data)} bytes: {_why_unreadable(bytes(data[:12]), exc)}"
            ) from None

    def proxy(self) -> Any:
        """A fitted block-DCT "virtual codec" standing in for x265 + libde265 (see docs/rate-aware-training.md);
        it was fitted to 4:2:0 files, so other subsampling has no twin."""
        if self.params["subsampling"] != "4:2:0":
            return None
        from kuchen_core.nn.proxy import VirtualCodecProxy

        return VirtualCodecProxy.from_fit(PROXY_FIT)

    def library_versions(self) -> dict[str, str]:
        heif = _pillow_heif()
        info = heif.libheif_info()
        versions = {"pillow-heif": heif.__version__, "libheif": info.get("libheif") or "unknown"}
        versions["x265"] = _version_in(info.get("encoders", {}).get("x265") or info.get("HEIF") or "")
        versions["libde265"] = _version_in(info.get("decoders", {}).get("libde265") or "")
        return versions


def _save(heif_file: object, settings: dict) -> bytes:
    buffer = io.BytesIO()
    heif_file.save(buffer, **settings)
    return buffer.getvalue()


def _version_in(description: str) -> str:
    """The version inside libheif's plugin names, e.g. 'x265 HEVC encoder (4.3+1-e9b8812)' → '4.3+1-e9b8812'."""
    match = re.search(r"\(([^()]*\d[^()]*)\)\s*$", description) or re.search(r"version\s+(\S+)", description)
    return match.group(1) if match else (description or "unknown")


def _why_unreadable(head: bytes, exc: Exception) -> str:
    """Tell a damaged HEIF from bytes that never were one (HEIF files open with an 'ftyp' box)."""
    if head[4:8] != b"ftyp":
        return "not a HEIF file (no 'ftyp' box at the start)"
    if head[8:12] not in HEIF_BRANDS:
        return f"not an HEVC HEIF file (brand {head[8:12].decode('latin-1')!r})"
    return f"corrupt or truncated HEIF (libheif: {str(exc).strip()})"


def _pillow_heif() -> ModuleType:
    """pillow-heif, imported when a codec runs, or a clear error saying what to install."""
    try:
        import pillow_heif
    except ImportError as exc:
        raise RuntimeError(f"hevc: needs pillow-heif ({exc}); install it: pip install 'pillow-heif>=0.18'") from None
    return pillow_heif
