"""The one image boundary: every file enters as ``uint8`` H×W×3 RGB and leaves as PNG/etc.

Conversions happen here once (EXIF orientation, grayscale, palette, alpha, 16-bit, CMYK), so
no plugin converts modes itself; corrupt, truncated and oversized files fail with the file's name.
"""

from __future__ import annotations

import io
import logging
import os
import warnings
from pathlib import Path
from typing import Any, BinaryIO, Callable

import numpy as np
from PIL import Image, ImageCms, ImageOps

from .errors import ImageLoadError, KuchenError
from .runtime.files import atomic_output

MAX_PIXELS_ENV = "KUCHEN_MAX_PIXELS"
DEFAULT_MAX_PIXELS = 120_000_000  # a 100 MP camera frame fits; a decompression bomb does not
BACKGROUND = (255, 255, 255)


log = logging.getLogger(__name__)


class PixelLimitError(KuchenError, ValueError):
    """``KUCHEN_MAX_PIXELS`` is not a positive whole number."""


def max_pixels() -> int:
    """The pixel limit in force (``KUCHEN_MAX_PIXELS``, default 120 MP); Pillow's own bomb guard is set
    to the same number, so no other limit applies (to plugins reading files with Pillow too)."""
    text = os.environ.get(MAX_PIXELS_ENV)
    try:
        limit = DEFAULT_MAX_PIXELS if text is None else int(text.replace("_", ""))
    except ValueError:
        limit = 0
    if limit < 1:
        raise PixelLimitError(
            f"{MAX_PIXELS_ENV}={text!r} is not a positive whole number of pixels "
            f"(unset it for the default, {DEFAULT_MAX_PIXELS})"
        )
    Image.MAX_IMAGE_PIXELS = limit
    return limit


def load_image(
    source: str | os.PathLike | bytes | BinaryIO, background: tuple[int, int, int] = BACKGROUND
) -> np.ndarray:
    """Read an image file (or bytes) into a C-contiguous ``uint8`` H×W×3 RGB array; an animated image
    gives its first frame, with one warning saying so."""
    label = (
        f"{len(source)} bytes"
        if isinstance(source, bytes)
        else os.fspath(source)
        if isinstance(source, (str, os.PathLike))
        else str(getattr(source, "name", source))
    )  # a path in full
    stream = io.BytesIO(source) if isinstance(source, bytes) else source
    limit = max_pixels()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # the limit is checked just below
            with Image.open(stream) as img:
                width, height = img.size
                if width * height > limit:
                    raise ImageLoadError(
                        f"{label}: {width}x{height} = {width * height} pixels exceeds the limit of {limit} "
                        f"(set {MAX_PIXELS_ENV} to raise it)"
                    )
                frames = getattr(img, "n_frames", 1)
                if frames > 1:
                    log.warning(
                        "warning: %s: an animated image of %d frames; only the first frame is used", label, frames
                    )
                img.load()
                return to_rgb_array(img, background)
    except ImageLoadError:
        raise
    except FileNotFoundError:
        raise ImageLoadError(f"{label}: no such file") from None
    except Image.DecompressionBombError as exc:  # over twice the limit: refused by Pillow before reading further
        raise ImageLoadError(
            f"{label}: {exc} (the limit is {limit} pixels; set {MAX_PIXELS_ENV} to raise it)"
        ) from None
    except Image.UnidentifiedImageError:
        raise ImageLoadError(f"{label}: not an image file Pillow can read (corrupt or unknown format)") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageLoadError(f"{label}: corrupt or truncated image ({exc})") from None


def decode_with_pillow(
    data: bytes, codec: str, fmt: str, what: str, signature: Callable[[bytes], bool], missing: str
) -> np.ndarray:
    """A codec plugin's ``decode`` for a format Pillow reads (``fmt``: its Pillow name): RGB normalised
    as :func:`load_image` does it. Bytes that are not a ``what`` file at all (``signature(data)`` is
    false; ``missing`` says what is absent) and a damaged one get distinct one-line ``ValueError``s."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"{codec}: decode expects bytes, got {type(data).__name__}")
    data = bytes(data)
    failed = f"{codec}: cannot decode {len(data)} bytes"
    if not signature(data):
        raise ValueError(f"{failed}: not a {what} file ({missing})")
    try:
        with Image.open(io.BytesIO(data), formats=[fmt]) as img:
            img.load()
            rgb = to_rgb_array(img)
    except Exception as exc:  # Pillow and format plugins raise many types for a damaged stream
        raise ValueError(f"{failed}: corrupt or truncated {what} ({exc})") from None
    return rgb if rgb.flags.writeable else rgb.copy()  # the caller's to keep and modify


def to_rgb_array(img: Image.Image, background: tuple[int, int, int] = BACKGROUND) -> np.ndarray:
    """Normalise a loaded Pillow image: orientation, bit depth, colour model, alpha."""
    img = ImageOps.exif_transpose(img)
    if img.mode in {"I;16", "I;16B", "I;16L", "I;16N", "I", "F"}:
        img = _sixteen_bit_to_l(img)
    if img.mode == "CMYK":
        img = _cmyk_to_rgb(img)
    if img.mode == "P":
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
    if img.mode != "RGB":
        if img.mode in {"LA", "La", "PA", "RGBA", "RGBa"}:
            rgba = img.convert("RGBA")
            canvas = Image.new("RGBA", rgba.size, background + (255,))
            img = Image.alpha_composite(canvas, rgba)
        img = img.convert("RGB")
    return np.ascontiguousarray(np.asarray(img, dtype=np.uint8))


def _sixteen_bit_to_l(img: Image.Image) -> Image.Image:
    data = np.asarray(img).astype(np.float64)
    if img.mode == "F":
        scaled = np.clip(data, 0.0, 1.0) * 255.0 if data.max(initial=0.0) <= 1.0 else np.clip(data, 0, 255)
    else:
        scaled = np.clip(data, 0, 65535) / 257.0
    return Image.fromarray(np.rint(scaled).astype(np.uint8), mode="L")


def _cmyk_to_rgb(img: Image.Image) -> Image.Image:
    """Use the embedded ICC profile when there is one (Photoshop CMYK), else Pillow's naive formula."""
    profile = img.info.get("icc_profile")
    if profile:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
            converted = ImageCms.profileToProfile(img, source, ImageCms.createProfile("sRGB"), outputMode="RGB")
            if converted is not None:
                return converted
        except (ImageCms.PyCMSError, OSError):
            pass
    return img.convert("RGB")


def save_image(path: str | os.PathLike, image: np.ndarray) -> Path:
    """Write an H×W×3 ``uint8`` array losslessly (format from the suffix, PNG by default), atomically."""
    path = Path(path)
    check_image(image)
    fmt = Image.registered_extensions().get(path.suffix.lower(), "PNG")
    with atomic_output(path) as tmp:
        Image.fromarray(image, mode="RGB").save(tmp, format=fmt)
    return path


def check_image(image: np.ndarray) -> np.ndarray:
    """Raise a clear error unless ``image`` follows the plugin-boundary convention."""
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        desc = f"{image.dtype} {image.shape}" if isinstance(image, np.ndarray) else type(image).__name__
        raise TypeError(f"expected a uint8 H×W×3 RGB array, got {desc}; convert it with kuchen_core.to_rgb(...)")
    if image.shape[0] < 1 or image.shape[1] < 1:
        raise ValueError(f"image has no pixels: shape {image.shape}")
    return image


def to_rgb(image: Any, background: tuple[int, int, int] = BACKGROUND, scale: float | None = None) -> np.ndarray:
    """Convert what a notebook holds into Kuchen's ``uint8`` H×W×3 RGB array.

    Accepts a path, bytes, a PIL image, a numpy array or a tensor (anything with ``.numpy()``):
    grayscale (H×W or H×W×1) is repeated to three channels, alpha (H×W×4) is composited over
    ``background``, channel-first arrays (3×H×W, 1×3×H×W) are transposed, floats are multiplied by
    ``scale`` (default: 255 when every value is within 0..1, else 1), 16-bit values are divided by 257.
    """
    if isinstance(image, (str, os.PathLike, bytes)):
        return load_image(image, background)
    if isinstance(image, Image.Image):
        return to_rgb_array(image, background)
    array = _as_array(image)
    while array.ndim == 4 and array.shape[0] == 1:  # a batch of one
        array = array[0]
    if array.ndim == 3 and array.shape[0] in (1, 3, 4) and array.shape[2] not in (1, 3, 4):
        array = array.transpose(1, 2, 0)  # channel-first (torch) layout
    if array.ndim == 2:
        array = array[:, :, None]
    if array.ndim != 3 or array.shape[2] not in (1, 3, 4):
        raise ValueError(
            f"cannot read an image from an array of shape {array.shape}: expected H×W, H×W×1, "
            "H×W×3 or H×W×4 (or channel-first)"
        )
    values = _to_uint8(array, scale)
    if values.shape[2] == 1:
        values = np.repeat(values, 3, axis=2)
    if values.shape[2] == 4:
        alpha = values[:, :, 3:].astype(np.float64) / 255.0
        blended = values[:, :, :3] * alpha + np.array(background, np.float64) * (1.0 - alpha)
        values = np.rint(blended).astype(np.uint8)
    return np.ascontiguousarray(values)


def _as_array(image: Any) -> np.ndarray:
    if isinstance(image, np.ndarray):
        return image
    if hasattr(image, "detach"):  # a torch tensor, without importing torch
        image = image.detach().cpu()
    if hasattr(image, "numpy"):
        return np.asarray(image.numpy())
    raise TypeError(f"cannot read an image from {type(image).__name__}: pass a path, bytes, a PIL image or an array")


def _to_uint8(array: np.ndarray, scale: float | None) -> np.ndarray:
    if array.dtype == np.uint8:
        return array
    if array.dtype == np.bool_:
        return array.astype(np.uint8) * 255
    if array.dtype == np.uint16:
        return np.rint(array / 257.0).astype(np.uint8)
    if np.issubdtype(array.dtype, np.floating):
        if not np.isfinite(array).all():
            raise ValueError("the image has NaN or infinite values")
        factor = (
            scale if scale is not None else (255.0 if array.size and array.min() >= 0 and array.max() <= 1 else 1.0)
        )
        return np.rint(np.clip(array * factor, 0, 255)).astype(np.uint8)
    if np.issubdtype(array.dtype, np.integer):
        return np.clip(array, 0, 255).astype(np.uint8)
    raise TypeError(f"cannot read an image from an array of dtype {array.dtype}")
