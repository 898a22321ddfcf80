"""The pipeline primitive shared by ``kuchen compress``, the labeler and the bench:
methods → encode → decode → (post-filters) → bits per pixel from the real byte count → metrics.
"""
from __future__ import annotations

import time
from typing import Sequence

import attrs
import numpy as np

from .images import check_image
from .interfaces import Codec, Method, Metric


@attrs.frozen(eq=False)
class PipelineResult:
    """Everything one pass produced; ``data`` is the exact file a user would store."""

    processed: np.ndarray
    data: bytes
    decoded: np.ndarray
    bpp: float
    scores: dict[str, float]
    timings: dict[str, float]

    @property
    def n_bytes(self) -> int:
        return len(self.data)


def bits_per_pixel(n_bytes: int, shape: tuple[int, ...]) -> float:
    """8·bytes / (H·W) of the stored file: real bytes, never an entropy estimate."""
    return 8.0 * n_bytes / (shape[0] * shape[1])


def apply_methods(image: np.ndarray, methods: Sequence[Method]) -> np.ndarray:
    """Run methods in series; each must return a same-size ``uint8`` RGB image."""
    out = check_image(image)
    for method in methods:
        result = method.apply(out)
        try:
            check_image(result)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"method {method.spec!r} returned a bad image: {exc}") from None
        if result.shape != out.shape:
            raise ValueError(f"method {method.spec!r} changed the image size from {out.shape} to {result.shape}")
        out = result
    return out


def score(metrics: Sequence[Metric], decoded: np.ndarray, reference: np.ndarray) -> dict[str, float]:
    """Score ``decoded`` with every metric; full-reference ones compare against ``reference``."""
    return {
        metric.name: float(metric.score(decoded, reference if metric.info.needs_reference else None))
        for metric in metrics
    }


def encode_and_measure(
    processed: np.ndarray,
    codec: Codec,
    quality: int,
    metrics: Sequence[Metric] = (),
    reference: np.ndarray | None = None,
    post: Sequence[Method] = (),
) -> PipelineResult:
    """Encode an already processed image, decode it, post-filter it and measure it."""
    timings: dict[str, float] = {}
    start = time.perf_counter()
    data = codec.encode(processed, codec.check_quality(quality))
    timings["encode"] = time.perf_counter() - start
    if not isinstance(data, bytes):
        raise TypeError(f"codec {codec.spec!r} returned {type(data).__name__}, not bytes")
    start = time.perf_counter()
    decoded = codec.decode(data)
    timings["decode"] = time.perf_counter() - start
    if decoded.shape != processed.shape:
        raise ValueError(f"codec {codec.spec!r} decoded shape {decoded.shape}, encoded {processed.shape}")
    if post:
        start = time.perf_counter()
        decoded = apply_methods(decoded, post)
        timings["post"] = time.perf_counter() - start
    start = time.perf_counter()
    scores = score(metrics, decoded, processed if reference is None else reference)
    timings["metrics"] = time.perf_counter() - start
    return PipelineResult(processed, data, decoded, bits_per_pixel(len(data), processed.shape), scores, timings)


def run_pipeline(
    image: np.ndarray,
    codec: Codec,
    quality: int,
    methods: Sequence[Method] = (),
    metrics: Sequence[Metric] = (),
    post: Sequence[Method] = (),
) -> PipelineResult:
    """Apply ``methods`` to ``image``, then encode/decode/measure; metrics compare with ``image``."""
    start = time.perf_counter()
    processed = apply_methods(image, methods)
    elapsed = time.perf_counter() - start
    result = encode_and_measure(processed, codec, quality, metrics, reference=image, post=post)
    result.timings["methods"] = elapsed
    return result
