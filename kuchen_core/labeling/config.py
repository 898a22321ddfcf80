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

from ..runtime.config import ConfigError, read_toml


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
    path: str | os.PathLike, output: str | os.PathLike | None = None, limit: int | None = None,
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
    _known_keys("the top level", data, _TOP)
    pool = _table(data, "pool", required=True)
    _known_keys("[pool]", pool, _POOL)
    codec = _table(data, "codec", required=True)
    _known_keys("[codec]", codec, _CODEC)
    score = _table(data, "score", required=False)
    _known_keys("[score]", score, _SCORE)

    methods = _str_list(pool, "methods", "pool.methods", required=True)
    if not methods:
        raise LabelConfigError("pool.methods must name at least one method")
    max_group_size = _get(pool, "max_group_size", int, "pool.max_group_size", min(2, len(methods)))
    if not 1 <= max_group_size <= len(methods):
        raise LabelConfigError(
            f"pool.max_group_size must be between 1 and the number of methods ({len(methods)}), got {max_group_size}"
        )
    order = _get(pool, "order", str, "pool.order", "permutations")
    if order not in ORDERS:
        raise LabelConfigError(f"pool.order must be one of {list(ORDERS)}, got {order!r}")

    out_value = output if output is not None else _get(data, "output", str, "output", None)
    if out_value is None:
        raise LabelConfigError("missing 'output' (the folder for labels, manifest and cache); or pass --out")
    cache = _get(data, "cache", str, "cache", None)
    limit = _get(data, "limit", int, "limit", None)
    if limit is not None and limit < 1:
        raise LabelConfigError(f"limit must be at least 1, got {limit}")
    ids = _get(data, "ids", str, "ids", None)

    return LabelConfig(
        inputs=tuple(_str_list(data, "input", "input", required=True)),
        output=Path(out_value),
        methods=tuple(methods),
        codec=_get(codec, "name", str, "codec.name", None) or _missing("codec.name"),
        qualities=_qualities(codec),
        metrics=_metrics(data),
        max_group_size=max_group_size,
        order=order,
        identity=_get(pool, "identity", bool, "pool.identity", True),
        rate_weight=_number(score, "rate_weight", "score.rate_weight", 1.0),
        cache=Path(cache) if cache is not None else None,
        limit=limit,
        ids=Path(ids) if ids is not None else None,
        seed=tuple(Path(p) for p in _str_list(data, "seed", "seed", required=False)),
        plugin_modules=tuple(_str_list(data, "plugin_modules", "plugin_modules", required=False)),
    )


def _missing(where: str) -> Any:
    raise LabelConfigError(f"missing {where}")


def _known_keys(where: str, table: Mapping[str, Any], known: set[str]) -> None:
    unknown = sorted(set(table) - known)
    if unknown:
        raise LabelConfigError(f"unknown key(s) {', '.join(unknown)} in {where}; known: {', '.join(sorted(known))}")


def _table(data: Mapping[str, Any], key: str, required: bool) -> Mapping[str, Any]:
    value = data.get(key)
    if value is None:
        if required:
            raise LabelConfigError(f"missing the [{key}] table")
        return {}
    if not isinstance(value, dict):
        raise LabelConfigError(f"{key} must be a table ([{key}]), got {type(value).__name__}")
    return value


def _get(table: Mapping[str, Any], key: str, kind: type, where: str, default: Any) -> Any:
    if key not in table:
        return default
    value = table[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise LabelConfigError(f"{where} must be a {kind.__name__}, got {value!r}")
    return value


def _number(table: Mapping[str, Any], key: str, where: str, default: float) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise LabelConfigError(f"{where} must be a number >= 0, got {value!r}")
    return float(value)


def _str_list(table: Mapping[str, Any], key: str, where: str, required: bool) -> list[str]:
    if key not in table:
        if required:
            raise LabelConfigError(f"missing {where}")
        return []
    value = table[key]
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(v, str) and v.strip() for v in items):
        raise LabelConfigError(f"{where} must be a string or a list of non-empty strings, got {value!r}")
    return [v.strip() for v in items]


def _qualities(codec: Mapping[str, Any]) -> tuple[int, ...]:
    if "quality" not in codec:
        raise LabelConfigError("missing codec.quality (an integer, or a list of them for one label set each)")
    value = codec["quality"]
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(q, int) and not isinstance(q, bool) for q in items):
        raise LabelConfigError(f"codec.quality must be an integer or a list of integers, got {value!r}")
    if len(set(items)) != len(items):
        raise LabelConfigError(f"codec.quality lists a value twice: {value!r}")
    return tuple(items)


def _metrics(data: Mapping[str, Any]) -> tuple[MetricConfig, ...]:
    tables = data.get("metrics")
    if not tables:
        raise LabelConfigError("missing [[metrics]]: at least one quality metric, e.g. [[metrics]] name = \"psnr\"")
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise LabelConfigError("metrics must be an array of tables: [[metrics]] name = \"...\"")
    metrics = []
    for i, table in enumerate(tables):
        where = f"metrics[{i}]"
        _known_keys(f"[[metrics]] #{i + 1}", table, _METRIC)
        name = _get(table, "name", str, f"{where}.name", None) or _missing(f"{where}.name")
        reference = _get(table, "reference", str, f"{where}.reference", None)
        if reference is not None and reference not in REFERENCES:
            raise LabelConfigError(f"{where}.reference must be one of {list(REFERENCES)}, got {reference!r}")
        metrics.append(MetricConfig(name.strip(), reference, _number(table, "weight", f"{where}.weight", 1.0)))
    return tuple(metrics)
