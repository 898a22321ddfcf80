"""The labeling config: a TOML file read into plain, checked data.

Only structure and value types are checked here; plugin names and parameters are checked
against the registry by :func:`kuchen_core.labeling.plan.build_plan`, before any work starts.
Relative paths are relative to the current working directory (where ``kuchen label`` runs).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping

import attrs

from ..runtime.config import ConfigError, Table, read_settings, read_toml, setting


ORDERS = ("permutations", "combinations")
REFERENCES = ("none", "original")
NO_METRICS = 'missing [[metrics]]: at least one quality metric, e.g. [[metrics]] name = "psnr"'


class LabelConfigError(ConfigError):
    """The labeling config is malformed or names something the registry cannot build."""


@attrs.frozen
class MetricConfig:
    """One quality metric: ``reference`` is "none" (scored on the decoded image alone, as the
    paper does) or "original" (full-reference against the input); None means "as the metric declares"."""

    spec: str = setting(key="name", kind=str, required=True, converter=str.strip)
    reference: str | None = setting(None, kind=str, choices=REFERENCES)
    weight: float = setting(1.0, kind=float, minimum=0.0, must="a number >= 0")


def _methods(pool: Table, key: str) -> tuple[str, ...]:
    methods = pool.strings(key)
    if not methods:
        raise LabelConfigError("pool.methods must name at least one method")
    return methods


def _qualities(codec: Table, key: str) -> tuple[int, ...]:
    value = codec.data[key]
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(q, int) and not isinstance(q, bool) for q in items):
        raise LabelConfigError(f"codec.quality must be an integer or a list of integers, got {value!r}")
    if len(set(items)) != len(items):
        raise LabelConfigError(f"codec.quality lists a value twice: {value!r}")
    return tuple(items)


def _metrics(top: Table, key: str) -> tuple[MetricConfig, ...]:
    tables = top.data[key]
    if not tables:
        raise LabelConfigError(NO_METRICS)
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise LabelConfigError('metrics must be an array of tables: [[metrics]] name = "..."')
    return tuple(
        read_settings(MetricConfig, Table(data, f"metrics[{i}]", LabelConfigError), title=f"[[metrics]] #{i + 1}")
        for i, data in enumerate(tables)
    )


def _fits_the_pool(size: int, earlier: Mapping[str, Any]) -> str | None:
    count = len(earlier["methods"])
    return None if 1 <= size <= count else f"between 1 and the number of methods ({count})"


@attrs.frozen
class LabelConfig:
    inputs: tuple[str, ...] = setting(key="input", required=True, parse=Table.strings)
    output: Path = setting(
        key="output",
        kind=str,
        required=True,
        missing="missing 'output' (the folder for labels, manifest and cache); or pass --out",
        converter=Path,
    )
    methods: tuple[str, ...] = setting(table="pool", required=True, parse=_methods)
    codec: str = setting(table="codec", key="name", kind=str, required=True)
    qualities: tuple[int, ...] = setting(
        table="codec",
        key="quality",
        required=True,
        missing="missing codec.quality (an integer, or a list of them for one label set each)",
        parse=_qualities,
    )
    metrics: tuple[MetricConfig, ...] = setting(required=True, missing=NO_METRICS, parse=_metrics)
    max_group_size: int = setting(
        attrs.Factory(lambda self: min(2, len(self.methods)), takes_self=True),
        table="pool",
        kind=int,
        check=_fits_the_pool,
    )
    order: str = setting("permutations", table="pool", kind=str, choices=ORDERS)
    identity: bool = setting(True, table="pool", kind=bool)
    rate_weight: float = setting(1.0, table="score", kind=float, minimum=0.0, must="a number >= 0")
    cache: Path | None = setting(None, kind=str, converter=attrs.converters.optional(Path))
    limit: int | None = setting(None, kind=int, minimum=1)
    ids: Path | None = setting(None, kind=str, converter=attrs.converters.optional(Path))
    seed: tuple[Path, ...] = setting((), parse=Table.strings, converter=lambda paths: tuple(Path(p) for p in paths))
    plugin_modules: tuple[str, ...] = setting((), parse=Table.strings)

    @property
    def cache_dir(self) -> Path:
        return self.cache if self.cache is not None else self.output / "cache"


def load_config(
    path: str | os.PathLike,
    output: str | os.PathLike | None = None,
    limit: int | None = None,
    seed: tuple[str | os.PathLike, ...] = (),
) -> LabelConfig:
    """Read and check a labeling TOML file; ``output`` (``--out``) and ``limit`` (``--limit``)
    override its keys of the same name, and ``seed`` (``--seed``) adds to its ``seed`` files."""
    path = Path(path)
    data = read_toml(path, LabelConfigError)
    try:
        config = parse_config(data, output, limit)
    except LabelConfigError as exc:
        raise LabelConfigError(f"{path}: {exc}") from None
    return attrs.evolve(config, seed=config.seed + tuple(Path(p) for p in seed))


def parse_config(
    data: Mapping[str, Any], output: str | os.PathLike | None = None, limit: int | None = None
) -> LabelConfig:
    """Build a :class:`LabelConfig` from a parsed TOML mapping, with one clear error per mistake."""
    given = {"output": output, "limit": limit}
    return read_settings(LabelConfig, Table(data, error=LabelConfigError), given, "the top level")
