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

from ..runtime.config import ConfigError, Table, read_toml


ORDERS = ("permutations", "combinations")


class LabelConfigError(ConfigError):
    """The labeling config is malformed or names something the registry cannot build."""


REFERENCES = ("none", "original")


@attrs.frozen
class MetricConfig:
    """One quality metric: ``reference`` is "none" (scored on the decoded image alone, as the
    paper does) or "original" (full-reference against the input); None means "as the metric declares"."""

    spec: str
    reference: str | None = None
    weight: float = 1.0


@attrs.frozen
class LabelConfig:
    inputs: tuple[str, ...]
    output: Path
    methods: tuple[str, ...]
    codec: str
    qualities: tuple[int, ...]
    metrics: tuple[MetricConfig, ...]
    max_group_size: int = 2
    order: str = "permutations"
    identity: bool = True
    rate_weight: float = 1.0
    cache: Path | None = None
    limit: int | None = None
    ids: Path | None = None
    seed: tuple[Path, ...] = ()
    plugin_modules: tuple[str, ...] = ()

    @property
    def cache_dir(self) -> Path:
        return self.cache if self.cache is not None else self.output / "cache"


_TOP = {"input", "output", "cache", "limit", "ids", "seed", "plugin_modules", "pool", "codec", "metrics", "score"}
_POOL = {"methods", "max_group_size", "order", "identity"}
_CODEC = {"name", "quality"}
_METRIC = {"name", "reference", "weight"}
_SCORE = {"rate_weight"}


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
        config = parse_config(data, output)
    except LabelConfigError as exc:
        raise LabelConfigError(f"{path}: {exc}") from None
    if limit is not None:
        if limit < 1:
            raise LabelConfigError(f"--limit must be at least 1, got {limit}")
        config = attrs.evolve(config, limit=limit)
    if seed:
        config = attrs.evolve(config, seed=config.seed + tuple(Path(p) for p in seed))
    return config


def parse_config(data: Mapping[str, Any], output: str | os.PathLike | None = None) -> LabelConfig:
    """Build a :class:`LabelConfig` from a parsed TOML mapping, with one clear error per mistake."""
    top = Table(data, error=LabelConfigError)
    top.only(_TOP, "the top level")
    pool, codec, score = top.table("pool", required=True), top.table("codec", required=True), top.table("score", False)
    pool.only(_POOL, "[pool]")
    codec.only(_CODEC, "[codec]")
    score.only(_SCORE, "[score]")

    methods = pool.str_list("methods", required=True)
    if not methods:
        raise LabelConfigError("pool.methods must name at least one method")
    max_group_size = pool.get("max_group_size", int, min(2, len(methods)))
    if not 1 <= max_group_size <= len(methods):
        raise LabelConfigError(
            f"pool.max_group_size must be between 1 and the number of methods ({len(methods)}), got {max_group_size}"
        )
    order = pool.get("order", str, "permutations")
    if order not in ORDERS:
        raise LabelConfigError(f"pool.order must be one of {list(ORDERS)}, got {order!r}")

    out_value = output if output is not None else top.get("output", str)
    if out_value is None:
        raise LabelConfigError("missing 'output' (the folder for labels, manifest and cache); or pass --out")
    cache = top.get("cache", str)
    limit = top.get("limit", int)
    if limit is not None and limit < 1:
        raise LabelConfigError(f"limit must be at least 1, got {limit}")
    ids = top.get("ids", str)

    return LabelConfig(
        inputs=tuple(top.str_list("input", required=True) or ()),
        output=Path(out_value),
        methods=tuple(methods),
        codec=codec.require("name", str),
        qualities=_qualities(codec),
        metrics=_metrics(top),
        max_group_size=max_group_size,
        order=order,
        identity=pool.get("identity", bool, True),
        rate_weight=score.number("rate_weight", 1.0),
        cache=Path(cache) if cache is not None else None,
        limit=limit,
        ids=Path(ids) if ids is not None else None,
        seed=tuple(Path(p) for p in top.str_list("seed") or ()),
        plugin_modules=tuple(top.str_list("plugin_modules") or ()),
    )


def _qualities(codec: Table) -> tuple[int, ...]:
    if "quality" not in codec:
        raise LabelConfigError("missing codec.quality (an integer, or a list of them for one label set each)")
    value = codec.data["quality"]
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(q, int) and not isinstance(q, bool) for q in items):
        raise LabelConfigError(f"codec.quality must be an integer or a list of integers, got {value!r}")
    if len(set(items)) != len(items):
        raise LabelConfigError(f"codec.quality lists a value twice: {value!r}")
    return tuple(items)


def _metrics(top: Table) -> tuple[MetricConfig, ...]:
    tables = top.data.get("metrics")
    if not tables:
        raise LabelConfigError('missing [[metrics]]: at least one quality metric, e.g. [[metrics]] name = "psnr"')
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise LabelConfigError('metrics must be an array of tables: [[metrics]] name = "..."')
    metrics = []
    for i, data in enumerate(tables):
        table = Table(data, f"metrics[{i}].", LabelConfigError)
        table.only(_METRIC, f"[[metrics]] #{i + 1}")
        reference = table.get("reference", str)
        if reference is not None and reference not in REFERENCES:
            raise LabelConfigError(f"metrics[{i}].reference must be one of {list(REFERENCES)}, got {reference!r}")
        metrics.append(MetricConfig(table.require("name", str).strip(), reference, table.number("weight", 1.0)))
    return tuple(metrics)
