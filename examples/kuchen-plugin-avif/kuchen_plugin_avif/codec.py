"""AVIF (AV1 still image) as a Kuchen codec, through the libavif that Pillow's wheels carry.

The encoder runs on one thread: libaom's multi-threaded path writes different bytes than its
single-threaded one, so letting Pillow use every core would make the file (and every bpp measured
from it) depend on the machine. Kuchen parallelises across images instead.
"""

from __future__ import annotations

import io
from types import ModuleType

import numpy as np
import PIL
from PIL import Image

from kuchen_core import Codec, CodecInfo, Param, check_image

# AV1 libraries libavif can be built with; the ones present are reported with their versions.
AV1_LIBRARIES = ("aom", "dav1d", "rav1e", "svt", "libgav1")
ENCODER_THREADS = 1
AVIF_BRANDS = (b"avif", b"avis", b"mif1", b"msf1")


class AvifCodec(Codec):
    """Pillow's AVIF writer at a quality, speed and chroma subsampling; reads any AVIF back as RGB."""

    info = CodecInfo(
        name="avif",
        description="AVIF (AV1 intra) via Pillow's libavif; deterministic single-threaded encoder",
        extension=".avif",
        quality_range=(0, 100),
        higher_quality_is_better=True,
        params=(
            Param("speed", 6, "encoder speed: 0 is slowest and smallest, 10 fastest", minimum=0, maximum=10),
            Param(
                "subsampling",
                "4:2:0",
                "chroma subsampling: 4:2:0 halves colour resolution, 4:4:4 keeps it",
                choices=("4:2:0", "4:4:4"),
            ),
        ),
    )

    def encode(self, image: np.ndarray, quality: int) -> bytes:
        check_image(image)
        quality = self.check_quality(quality)
        _avif_support()
        buffer = io.BytesIO()
        Image.fromarray(image).save(
            buffer,
            format="AVIF",
            quality=quality,
            speed=self.params["speed"],
            subsampling=self.params["subsampling"],
            max_threads=ENCODER_THREADS,
        )
        return buffer.getvalue()

    def decode(self, data: bytes) -> np.ndarray:
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"avif: decode expects bytes, got {type(data).__name__}")
        _avif_support()
        try:
            with Image.open(io.BytesIO(data), formats=["AVIF"]) as img:
                img.load()
                return np.array(img.convert("RGB"), dtype=np.uint8)
        except Image.UnidentifiedImageError:
            raise ValueError(f"avif: cannot decode {len(data)} bytes: {_why_unreadable(bytes(data[:12]))}") from None
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise ValueError(f"avif: cannot decode {len(data)} bytes: corrupt or truncated AVIF ({exc})") from None

    def library_versions(self) -> dict[str, str]:
        plugin = _avif_support()
        versions = {"pillow": PIL.__version__, "libavif": _libavif_version()}
        for name in AV1_LIBRARIES:
            version = plugin.get_codec_version(name)
            if version:
                versions[name] = version
        return versions


def _why_unreadable(head: bytes) -> str:
    """Tell a damaged AVIF from bytes that never were one: only AVIF starts with an AVIF 'ftyp' box."""
    if head[4:8] == b"ftyp" and head[8:12] in AVIF_BRANDS:
        return "corrupt or truncated AVIF (libavif could not parse its boxes)"
    return "not an AVIF file (no AVIF 'ftyp' box at the start)"


def _libavif_version() -> str:
    from PIL import features

    return features.version("avif") or "unknown"


def _avif_support() -> ModuleType:
    """Pillow's AVIF module (imported only when a codec runs), or a clear error if it is missing."""
    try:
        from PIL import AvifImagePlugin
    except ImportError:  # Pillow older than 11.3 has no AVIF module at all
        AvifImagePlugin = None
    if AvifImagePlugin is None or not AvifImagePlugin.SUPPORTED:
        raise RuntimeError(
            f"avif: Pillow {PIL.__version__} was built without AVIF support; "
            "install Pillow's wheels: pip install -U 'pillow>=11.3'"
        )
    return AvifImagePlugin
