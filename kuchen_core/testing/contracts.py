"""Contract checks every plugin of a kind must pass, and pytest classes that run them.

A plugin author writes::

    from kuchen_core.testing import CodecContract

    class TestMyCodec(CodecContract):
        spec = "mycodec"            # or "mycodec(effort=4)"

and gets the round-trip, real-file, determinism, odd-size and quality-direction checks.
"""

from __future__ import annotations

import io
import os
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
NO_REFERENCE_PHOTOS = 12  # a no-reference metric ranks the ladder on average over this many photos
PHOTOS_ENV = "KUCHEN_TEST_PHOTOS"  # a folder of real photos for that check
_REPO = Path(__file__).resolve().parents[2]


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


def _test_images(sizes: Sequence[tuple[int, int]] = ODD_SIZES) -> list[np.ndarray]:
    return [sample_photo()] + [noise_image(h, w, seed=i) for i, (h, w) in enumerate(sizes)]


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
    if codec.proxy() is not None:
        check_codec_proxy(codec)


def _batch(*images: np.ndarray) -> Any:
    import torch

    return torch.from_numpy(np.stack(images).astype(np.float32) / 255.0).permute(0, 3, 1, 2).contiguous()


def check_codec_proxy(codec: Codec) -> None:
    """A declared twin maps N×3×H×W in [0, 1] and a quality (number or N-vector) to a same-shape
    reconstruction in [0, 1] and N finite positive bit counts, fewer at the worst quality than at
    the best, with finite gradients reaching the input."""
    import torch

    name = codec.info.name
    proxy = codec.proxy()
    low, high = codec.info.quality_range
    best, worst = (high, low) if codec.info.higher_quality_is_better else (low, high)
    photo = sample_photo()[:40, :56]
    x = _batch(photo, noise_image(40, 56)).requires_grad_(True)
    sizes = {}
    for quality in (worst, (low + high) // 2, best):
        recon, bits = proxy(x, quality)
        assert tuple(recon.shape) == tuple(x.shape), (
            f"{name} proxy: reconstruction {tuple(recon.shape)} != input {tuple(x.shape)}"
        )
        assert tuple(bits.shape) == (2,), f"{name} proxy: bits must have shape (N,) = (2,), got {tuple(bits.shape)}"
        assert torch.isfinite(recon).all() and recon.min() >= 0 and recon.max() <= 1, (
            f"{name} proxy: reconstruction outside [0, 1]"
        )
        assert torch.isfinite(bits).all() and (bits > 0).all(), (
            f"{name} proxy at q={quality}: bits must be finite and positive, got {bits.tolist()}"
        )
        sizes[quality] = float(bits[0].detach())
    assert sizes[best] > sizes[worst], f"{name} proxy: the best quality must cost more bits than the worst ({sizes})"
    recon, bits = proxy(x, torch.tensor([float(worst), float(best)]))
    (bits.sum() / 1000 + (recon - x.detach()).square().mean()).backward()
    assert x.grad is not None and torch.isfinite(x.grad).all() and x.grad.abs().sum() > 0, (
        f"{name} proxy: gradients must reach the input and be finite"
    )


def check_metric_loss_form(metric: Metric) -> None:
    """A declared loss form gives N finite losses with finite input gradients; full-reference ones
    are 0 for identical batches and grow down a JPEG quality ladder."""
    import torch

    name = metric.info.name
    form = metric.loss_form()
    photo = sample_photo()
    ladder = jpeg_ladder(photo, (10, 50, 95))
    reference = _batch(photo, photo, photo)
    distorted = _batch(*ladder).requires_grad_(True)
    losses = form(distorted, reference)
    assert tuple(losses.shape) == (3,), (
        f"{name} loss form must give one loss per image, got shape {tuple(losses.shape)}"
    )
    assert torch.isfinite(losses).all(), f"{name} loss form is not finite: {losses.tolist()}"
    losses.sum().backward()
    assert distorted.grad is not None and torch.isfinite(distorted.grad).all(), (
        f"{name} loss form: non-finite gradients"
    )
    if metric.info.needs_reference:
        values = losses.tolist()
        assert values[0] > values[1] > values[2], f"{name} loss form must fall as JPEG quality rises 10/50/95: {values}"
        assert float(form(reference, reference).abs().max()) < 1e-5, f"{name} loss form must be 0 for identical images"


def check_method(method: Method, sizes: Sequence[tuple[int, int]] = ODD_SIZES) -> None:
    """Same-size uint8 output on a photo and odd sizes, input untouched, deterministic."""
    assert method.info.description, f"method {method.info.name!r} needs a description"
    for image in _test_images(sizes):
        before = image.copy()
        result = method.apply(image)
        _assert_image(result, image.shape, f"{method.spec}.apply")
        np.testing.assert_array_equal(image, before, err_msg=f"{method.spec} modified its input in place")
    photo = sample_photo()
    np.testing.assert_array_equal(
        method.apply(photo), method.apply(photo), err_msg=f"{method.spec} is not deterministic"
    )


def real_photos(count: int) -> list[Path]:
    """Up to ``count`` real photographs: the folder ``$KUCHEN_TEST_PHOTOS`` names, else BSDS500 val in
    the repository's ``../shared/data``, else the repository's ``samples/``; then the kit's own photo."""
    from ..runtime.inputs import find_images

    named = os.environ.get(PHOTOS_ENV)
    folders = [Path(named)] if named else [_REPO.parent / "shared" / "data" / "bsds500" / "val", _REPO / "samples"]
    found = [image.path for folder in folders if folder.is_dir() for image in find_images([str(folder)])]
    return (found + [Path(__file__).with_name("data") / "photo.png"])[:count]


def _ladder_scores(metric: Metric, photo: np.ndarray) -> list[float]:
    """The metric on ``photo``'s JPEG ladder, each score finite and inside the declared range."""
    info = metric.info
    scores = [float(metric.score(img, photo if info.needs_reference else None)) for img in jpeg_ladder(photo)]
    lo, hi = info.range
    for quality, value in zip(LADDER, scores):
        assert np.isfinite(value), f"{info.name} at JPEG q={quality} is not finite: {value}"
        assert lo <= value <= hi, f"{info.name} at JPEG q={quality} = {value}, outside declared range {info.range}"
    return scores


def check_metric(metric: Metric) -> None:
    """Scores inside the declared range and monotone on a JPEG quality ladder: of a real photo for a
    full-reference metric; on average over :data:`NO_REFERENCE_PHOTOS` real photos for a no-reference
    one (``needs_reference=False``), which need not rank every single photo's ladder (skipped when
    fewer photos are found: set ``$KUCHEN_TEST_PHOTOS``)."""
    info = metric.info
    photo = sample_photo()
    if info.needs_reference:
        scores = _ladder_scores(metric, photo)
        where = f"the JPEG ladder {LADDER}"
    else:
        photos = real_photos(NO_REFERENCE_PHOTOS)
        if len(photos) < NO_REFERENCE_PHOTOS:
            import pytest

            pytest.skip(
                f"{info.name} is a no-reference metric: its ladder check needs {NO_REFERENCE_PHOTOS} real "
                f"photos, found {len(photos)} (set {PHOTOS_ENV} to a folder of photos)"
            )
        scores = [float(s) for s in np.mean([_ladder_scores(metric, load_image(path)) for path in photos], axis=0)]
        where = f"the JPEG ladder {LADDER}, on average over {len(photos)} photos"
    ordered = scores if info.higher_is_better else [-s for s in scores]
    assert all(a < b for a, b in zip(ordered, ordered[1:])), (
        f"{info.name} is not monotone on {where}: {scores} (higher_is_better={info.higher_is_better})"
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
    if metric.loss_form() is not None:
        check_metric_loss_form(metric)


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
