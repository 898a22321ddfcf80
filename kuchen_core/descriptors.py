"""Typed declarations every plugin class carries as its ``info`` attribute.

They are plain data (attrs), so ``kuchen plugins`` can list what is installed without
importing any heavy library: the library itself is imported only when an object runs.
"""

from __future__ import annotations

import re
from typing import Any

import attrs

_NAME = re.compile(r"^[a-z0-9][a-z0-9_.\-]*$")


def _check_name(instance: Any, attribute: attrs.Attribute, value: str) -> None:
    if not isinstance(value, str) or not _NAME.match(value):
        raise ValueError(f"{attribute.name} {value!r} must be lower-case letters, digits, '_', '-' or '.'")


@attrs.frozen
class Param:
    """One constructor parameter of a plugin object: its default fixes its type."""

    name: str
    default: Any
    description: str = ""
    choices: tuple[Any, ...] | None = attrs.field(default=None, converter=attrs.converters.optional(tuple))
    minimum: float | None = None
    maximum: float | None = None

    def coerce(self, value: Any) -> Any:
        """Convert ``value`` (often a string from the CLI or TOML) to the default's type and check it."""
        kind = type(self.default)
        if self.default is None or isinstance(value, kind) and not (kind is int and isinstance(value, bool)):
            converted = value
        elif kind is bool:
            text = str(value).strip().lower()
            if text not in {"1", "0", "true", "false", "yes", "no", "on", "off"}:
                raise ValueError(f"parameter {self.name!r} expects true/false, got {value!r}")
            converted = text in {"1", "true", "yes", "on"}
        else:
            try:
                converted = kind(value)
            except (TypeError, ValueError):
                raise ValueError(f"parameter {self.name!r} expects {kind.__name__}, got {value!r}") from None
        if self.choices is not None and converted not in self.choices:
            raise ValueError(f"parameter {self.name!r} must be one of {list(self.choices)}, got {converted!r}")
        if self.minimum is not None and converted < self.minimum:
            raise ValueError(f"parameter {self.name!r} must be >= {self.minimum}, got {converted!r}")
        if self.maximum is not None and converted > self.maximum:
            raise ValueError(f"parameter {self.name!r} must be <= {self.maximum}, got {converted!r}")
        return converted


def _params(value: Any) -> tuple[Param, ...]:
    params = tuple(value)
    names = [p.name for p in params]
    if len(set(names)) != len(names):
        raise ValueError(f"duplicate parameter names in {names}")
    return params


def _check_range(instance: Any, attribute: attrs.Attribute, value: tuple[Any, ...]) -> None:
    if len(value) != 2 or not value[0] < value[1]:
        raise ValueError(f"{attribute.name} must be (low, high) with low < high, got {value!r}")


@attrs.frozen(kw_only=True)
class MethodInfo:
    """A method maps an RGB image to an image of the same size (pre- or post-processing)."""

    name: str = attrs.field(validator=_check_name)
    description: str
    params: tuple[Param, ...] = attrs.field(default=(), converter=_params)


@attrs.frozen(kw_only=True)
class CodecInfo:
    """A codec writes a real file; ``quality_range`` and its direction drive quality ladders."""

    name: str = attrs.field(validator=_check_name)
    description: str
    extension: str = attrs.field(validator=attrs.validators.matches_re(r"^\.[a-z0-9]+$"))
    quality_range: tuple[int, int] = attrs.field(converter=tuple, validator=_check_range)
    higher_quality_is_better: bool = True
    params: tuple[Param, ...] = attrs.field(default=(), converter=_params)


@attrs.frozen(kw_only=True)
class MetricInfo:
    """A metric scores a decoded image, against the original when ``needs_reference``."""

    name: str = attrs.field(validator=_check_name)
    description: str
    needs_reference: bool
    higher_is_better: bool
    range: tuple[float, float] = attrs.field(converter=tuple, validator=_check_range)
    params: tuple[Param, ...] = attrs.field(default=(), converter=_params)
    unit: str = ""  # e.g. "dB": shown on plot axes and by ``kuchen show``; empty for unitless scores


@attrs.frozen(kw_only=True)
class BackboneInfo:
    """A backbone builds a ``torch.nn.Module`` mapping an image batch to one of the same shape."""

    name: str = attrs.field(validator=_check_name)
    description: str
    params: tuple[Param, ...] = attrs.field(default=(), converter=_params)


@attrs.frozen
class Kind:
    """One of the four plugin kinds: its CLI name, its hook and its declaration type."""

    name: str
    hook: str
    info_type: type
    base_name: str


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind("method", "register_methods", MethodInfo, "Method"),
        Kind("codec", "register_codecs", CodecInfo, "Codec"),
        Kind("metric", "register_metrics", MetricInfo, "Metric"),
        Kind("backbone", "register_backbones", BackboneInfo, "Backbone"),
    )
}
