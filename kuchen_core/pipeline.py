"""The pipeline primitive shared by ``kuchen compress``, the Python API, the labeler, the bench and
training: methods → encode → decode → (post-filters) → bits per pixel from the real byte count → metrics.
It is the one place where an image goes through a codec and gets scored.
"""

from __future__ import annotations

import math
import time
from typing import Sequence, Union

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
    metric_timings: dict[str, float] = attrs.field(factory=dict)  # "metric:<label>" → seconds

    @property
    def n_bytes(self) -> int:
        return len(self.data)


@attrs.frozen
class Measure:
    """A metric as a run uses it: ``key`` names its score, ``label`` names it in timings and errors,
    ``use_reference`` says whether it sees the reference (a no-reference metric may be given one)."""

    metric: Metric
    key: str
    label: str
    use_reference: bool


Scoring = Union[Metric, Measure]  # a plain metric is scored under its name, with a reference if it needs one


def _measure(item: Scoring) -> Measure:
    if isinstance(item, Measure):
        return item
    return Measure(item, item.name, item.name, item.info.needs_reference)


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


def score(
    metrics: Sequence[Scoring],
    decoded: np.ndarray,
    reference: np.ndarray | None,
    timings: dict[str, float] | None = None,
    require_finite: bool = False,
) -> dict[str, float]:
    """Score ``decoded`` with every metric (those that use it compare against ``reference``); each
    metric's time goes to ``timings["metric:<label>"]``. ``require_finite``: a NaN or infinite score is an error."""
    scores = {}
    for measure in map(_measure, metrics):
        start = time.perf_counter()
        value = float(measure.metric.score(decoded, reference if measure.use_reference else None))
        if timings is not None:
            timings[f"metric:{measure.label}"] = time.perf_counter() - start
        if require_finite and not math.isfinite(value):
            raise ValueError(f"metric {measure.label!r} returned {value}")
        scores[measure.key] = value
    return scores


def encode_and_measure(
    processed: np.ndarray,
    codec: Codec,
    quality: int,
    metrics: Sequence[Scoring] = (),
    reference: np.ndarray | None = None,
    post: Sequence[Method] = (),
    require_finite: bool = False,
) -> PipelineResult:
    """Encode an already processed image, decode it, post-filter it and measure it against ``reference``
    (default: ``processed``); see :func:`score` for ``metrics`` and ``require_finite``."""
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
    metric_timings: dict[str, float] = {}
    scores = score(metrics, decoded, processed if reference is None else reference, metric_timings, require_finite)
    timings["metrics"] = time.perf_counter() - start
    return PipelineResult(
        processed, data, decoded, bits_per_pixel(len(data), processed.shape), scores, timings, metric_timings
    )


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
