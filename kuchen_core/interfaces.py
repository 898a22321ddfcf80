"""Base classes a plugin subclasses: one per kind, each with its ``info`` declaration.

Images cross every boundary as ``numpy.uint8`` arrays of shape H×W×3 in RGB order; the
core's image loader guarantees that, so plugins never convert modes themselves.
"""

from __future__ import annotations

from typing import Any, ClassVar, Mapping

import numpy as np

from .descriptors import BackboneInfo, CodecInfo, MethodInfo, MetricInfo, Param


def resolve_params(declared: tuple[Param, ...], given: Mapping[str, Any], owner: str) -> dict[str, Any]:
    """Fill defaults, reject unknown names and coerce values to the declared types."""
    by_name = {p.name: p for p in declared}
    unknown = sorted(set(given) - set(by_name))
    if unknown:
        known = ", ".join(by_name) or "none"
        raise ValueError(f"{owner}: unknown parameter(s) {', '.join(unknown)} (known: {known})")
    return {p.name: p.coerce(given[p.name]) if p.name in given else p.default for p in declared}


class Plugin:
    """What all four kinds share: declared parameters, resolved once at construction."""

    info: ClassVar[Any]

    def __init__(self, **params: Any) -> None:
        self.params: dict[str, Any] = resolve_params(self.info.params, params, self.info.name)

    @property
    def name(self) -> str:
        return self.info.name

    @property
    def spec(self) -> str:
        """Canonical ``name(key=value,...)`` text: parses back to an equal object, keys caches."""
        if not self.params:
            return self.info.name
        inner = ",".join(f"{k}={v}" for k, v in sorted(self.params.items()))
        return f"{self.info.name}({inner})"

    def library_versions(self) -> dict[str, str]:
        """Versions of the libraries doing the work; recorded with every result."""
        return {}

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.spec}>"


class Method(Plugin):
    """Image → image of the same size; usable before a codec or after decoding."""

    info: ClassVar[MethodInfo]

    def apply(self, image: np.ndarray) -> np.ndarray:
        raise NotImplementedError


class Codec(Plugin):
    """A real codec: ``encode`` returns the bytes of the file a user would store."""

    info: ClassVar[CodecInfo]

    def encode(self, image: np.ndarray, quality: int) -> bytes:
        raise NotImplementedError

    def decode(self, data: bytes) -> np.ndarray:
        raise NotImplementedError

    def check_quality(self, quality: float) -> int:
        """Return ``quality`` as an int inside the declared range, or raise a clear error."""
        low, high = self.info.quality_range
        if quality != int(quality) or not low <= quality <= high:
            raise ValueError(f"codec {self.info.name!r}: quality must be an integer in {low}..{high}, got {quality!r}")
        return int(quality)

    def proxy(self) -> Any:
        """This codec's differentiable twin for rate-aware training, or ``None`` (it has none).

        A ``torch.nn.Module`` whose ``forward(x, quality)`` maps an N×3×H×W batch in [0, 1] and a
        quality (a number or an N-vector on the codec's scale) to ``(reconstruction, bits)``: the
        decoded batch in [0, 1] and the estimated size of each image's file in bits (shape N),
        both differentiable in ``x``. Import torch inside the override: listing plugins must not.
        """
        return None


class Metric(Plugin):
    """Scores a decoded image; full-reference metrics compare against the original."""

    info: ClassVar[MetricInfo]

    def score(self, distorted: np.ndarray, reference: np.ndarray | None = None) -> float:
        raise NotImplementedError

    def require_reference(self, distorted: np.ndarray, reference: np.ndarray | None) -> np.ndarray:
        """Check a full-reference metric got a reference of the same shape and return it."""
        if reference is None:
            raise ValueError(f"metric {self.info.name!r} needs a reference image")
        if reference.shape != distorted.shape:
            raise ValueError(
                f"metric {self.info.name!r}: reference shape {reference.shape} != distorted shape {distorted.shape}"
            )
        return reference

    def loss_form(self) -> Any:
        """A differentiable twin of this metric for training, or ``None`` (it has none).

        A callable ``(distorted, reference) -> loss`` on N×3×H×W batches in [0, 1] giving one loss
        per image (shape N), differentiable in ``distorted``. Lower is better whatever the metric's
        own orientation, and a full-reference loss is 0 when the two batches are equal. A
        no-reference metric's loss ignores ``reference``. Import torch inside the override.
        """
        return None


class Backbone(Plugin):
    """Builds a ``torch.nn.Module`` (N×3×H×W in [0, 1] → same shape); torch is imported lazily."""

    info: ClassVar[BackboneInfo]

    def build(self) -> Any:
        raise NotImplementedError
