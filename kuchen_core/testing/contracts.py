"""Contract checks every plugin of a kind must pass, and pytest classes that run them.

A plugin author writes::

    from kuchen_core.testing import CodecContract

    class TestMyCodec(CodecContract):
        spec = "mycodec"            # or "mycodec(effort=4)"

and gets the round-trip, real-file, determinism, odd-size and quality-direction checks.
"""
from __future__ import annotations

import io
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar, Sequence

import numpy as np
from PIL import Image

from ..images import load_image
from ..interfaces import Backbone, Codec, Method, Metric
from ..registry import get_registry

ODD_SIZES: tuple[tuple[int, int], ...] = ((1, 1), (7, 13), (4001, 3))
LADDER: tuple[int, ...] = (5, 20, 40, 70, 95)


@lru_cache(maxsize=1)
def _photo() -> np.ndarray:
    return load_image(Path(__file__).with_name("data") / "photo.png")


def sample_photo() -> np.ndarray:
    """A small real photograph (137×192, downscaled from an Unsplash photo), as a fresh writable copy."""
    return _photo().copy()


def noise_image(height: int, width: int, seed: int = 0) -> np.ndarray:
    """A deterministic smooth-plus-noise image for sizes the sample photo does not have."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack([(x * 3) % 256, (y * 5) % 256, ((x + y) * 2) % 256], axis=-1).astype(np.int16)
    return np.clip(base + rng.integers(-20, 21, size=base.shape), 0, 255).astype(np.uint8)


def jpeg_ladder(image: np.ndarray, qualities: Sequence[int] = LADDER) -> list[np.ndarray]:
    """Decoded baseline-JPEG copies of ``image`` at rising qualities (Pillow, not a plugin)."""
    out = []
    for quality in qualities:
        buffer = io.BytesIO()
        Image.fromarray(image).save(buffer, format="JPEG", quality=quality)
        out.append(np.asarray(Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")))
    return out


def _test_images() -> list[np.ndarray]:
    return [sample_photo()] + [noise_image(h, w, seed=i) for i, (h, w) in enumerate(ODD_SIZES)]


def _assert_image(result: Any, shape: tuple[int, ...], what: str) -> None:
    assert isinstance(result, np.ndarray), f"{what} returned {type(result).__name__}, not a numpy array"
    assert result.dtype == np.uint8, f"{what} returned dtype {result.dtype}, expected uint8"
    assert result.shape == shape, f"{what} returned shape {result.shape}, expected {shape}"


def check_codec(codec: Codec) -> None:
    """Round trip on odd sizes, bytes equal the stored file, determinism, quality direction."""
    info = codec.info
    low, high = info.quality_range
    versions = codec.library_versions()
    assert versions and all(isinstance(v, str) and v for v in versions.values()), (
        f"codec {info.name!r} must report its library versions, got {versions!r}"
    )
    middle = (low + high) // 2
    for image in _test_images():
        for quality in (low, middle, high):
            data = codec.encode(image, quality)
            assert isinstance(data, bytes) and data, f"{info.name} q={quality}: encode must return non-empty bytes"
            _assert_image(codec.decode(data), image.shape, f"{info.name}.decode at q={quality}")
    photo = sample_photo()
    first = codec.encode(photo, middle)
    assert codec.encode(photo, middle) == first, f"codec {info.name!r} is not deterministic at q={middle}"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"image{info.extension}"
        path.write_bytes(first)
        assert path.stat().st_size == len(first), "reported size differs from the stored file's size"
        np.testing.assert_array_equal(codec.decode(path.read_bytes()), codec.decode(first))
    best, worst = (high, low) if info.higher_quality_is_better else (low, high)
    assert len(codec.encode(photo, best)) > len(codec.encode(photo, worst)), (
        f"codec {info.name!r}: the best quality ({best}) must give a larger file than the worst ({worst})"
    )
    for bad in (low - 1, high + 1):
        try:
            codec.check_quality(bad)
        except ValueError:
            continue
        raise AssertionError(f"codec {info.name!r} accepted out-of-range quality {bad}")


def check_method(method: Method, sizes: Sequence[tuple[int, int]] = ODD_SIZES) -> None:
    """Same-size uint8 output on a photo and odd sizes, input untouched, deterministic."""
    assert method.info.description, f"method {method.info.name!r} needs a description"
    images = [sample_photo()] + [noise_image(h, w, seed=i) for i, (h, w) in enumerate(sizes)]
    for image in images:
        before = image.copy()
        result = method.apply(image)
        _assert_image(result, image.shape, f"{method.spec}.apply")
        np.testing.assert_array_equal(image, before, err_msg=f"{method.spec} modified its input in place")
    photo = sample_photo()
    np.testing.assert_array_equal(
        method.apply(photo), method.apply(photo), err_msg=f"{method.spec} is not deterministic"
    )


def check_metric(metric: Metric) -> None:
    """Scores inside the declared range and monotone on a JPEG quality ladder of a real photo."""
    info = metric.info
    photo = sample_photo()
    ladder = jpeg_ladder(photo)
    reference = photo if info.needs_reference else None
    scores = [float(metric.score(img, reference)) for img in ladder]
    lo, hi = info.range
    for quality, value in zip(LADDER, scores):
        assert np.isfinite(value), f"{info.name} at JPEG q={quality} is not finite: {value}"
        assert lo <= value <= hi, f"{info.name} at JPEG q={quality} = {value}, outside declared range {info.range}"
    ordered = scores if info.higher_is_better else [-s for s in scores]
    assert all(a < b for a, b in zip(ordered, ordered[1:])), (
        f"{info.name} is not monotone on the JPEG ladder {LADDER}: {scores} "
        f"(higher_is_better={info.higher_is_better})"
    )
    if info.needs_reference:
        perfect = float(metric.score(photo, photo))
        best = max(ordered)
        assert (perfect if info.higher_is_better else -perfect) >= best, (
            f"{info.name}: the identical image ({perfect}) must score at least as well as any JPEG ({scores})"
        )
        try:
            metric.score(photo, None)
        except (ValueError, TypeError):
            pass
        else:
            raise AssertionError(f"{info.name} needs a reference but accepted None")


def check_backbone(backbone: Backbone, sizes: Sequence[tuple[int, int]] = ((1, 1), (7, 13), (33, 65))) -> None:
    """Shape in = shape out on odd sizes; deterministic in eval mode."""
    import torch

    torch.manual_seed(0)
    model = backbone.build().eval()
    with torch.no_grad():
        for height, width in sizes:
            batch = torch.rand(1, 3, height, width)
            out = model(batch)
            assert tuple(out.shape) == tuple(batch.shape), (
                f"{backbone.spec}: output shape {tuple(out.shape)} != input {tuple(batch.shape)}"
            )
            assert torch.isfinite(out).all(), f"{backbone.spec}: non-finite output at {height}x{width}"
            assert torch.equal(out, model(batch)), f"{backbone.spec} is not deterministic in eval mode"


class _Contract:
    kind: ClassVar[str]
    spec: ClassVar[str]

    def make(self) -> Any:
        return get_registry().create(self.kind, self.spec)


class CodecContract(_Contract):
    kind = "codec"

    def test_codec_contract(self) -> None:
        check_codec(self.make())


class MethodContract(_Contract):
    kind = "method"

    def test_method_contract(self) -> None:
        check_method(self.make())


class MetricContract(_Contract):
    kind = "metric"

    def test_metric_contract(self) -> None:
        check_metric(self.make())


class BackboneContract(_Contract):
    kind = "backbone"

    def test_backbone_contract(self) -> None:
        check_backbone(self.make())
