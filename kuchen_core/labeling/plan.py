"""Turn a config into a checked, picklable plan: every name built once against the registry
(before any work starts), groups enumerated, and each plugin's provenance (canonical spec,
distribution, version, library versions) fixed — the provenance is what cache keys hash.
"""
from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any, Sequence

import attrs

from ..errors import KuchenError
from ..registry import Registry, get_registry
from .cache import content_key
from .config import LabelConfig
from .errors import LabelConfigError
from .groups import Group, group_name, make_groups

SCHEMA = 1  # bump when what a cached record means changes


@attrs.frozen
class Component:
    """A plugin object as a worker must rebuild it: ``label`` is the spec as the user wrote it."""

    kind: str
    spec: str
    label: str
    provenance: str  # canonical JSON: spec, distribution, version, library versions


@attrs.frozen
class MetricUse:
    component: Component
    use_reference: bool
    weight: float
    higher_is_better: bool


@attrs.frozen
class LabelPlan:
    """Everything a worker needs to label one image; small, so it travels with every task."""

    methods: tuple[Component, ...]
    groups: tuple[Group, ...]
    codec: Component
    qualities: tuple[int, ...]
    metrics: tuple[MetricUse, ...]
    rate_weight: float
    output: str
    cache_dir: str
    plugin_modules: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return content_key(attrs.asdict(self))

    def group_name(self, group: Group) -> str:
        return group_name(group, [m.label for m in self.methods])

    def result_key(self, image_sha: str, group: Group, quality: int) -> str:
        """What one (image, group, quality) evaluation depends on — and nothing else."""
        return content_key({
            "schema": SCHEMA,
            "image": image_sha,
            "methods": [self.methods[i].provenance for i in group],
            "codec": self.codec.provenance,
            "quality": quality,
            "metrics": [[m.component.provenance, m.use_reference] for m in self.metrics],
        })

    def label_path(self, quality: int, label_rel: str) -> Path:
        return Path(self.output) / "labels" / f"q{quality}" / label_rel

    def record_key(self, image_sha: str, name: str, label_rel: str) -> str:
        """Key of an image's manifest row: its results, the names shown, the weights and label files."""
        return content_key({
            "schema": SCHEMA,
            "image": name,
            "results": [self.result_key(image_sha, g, q) for g in self.groups for q in self.qualities],
            "names": [m.label for m in self.methods] + [m.component.label for m in self.metrics] + [self.codec.label],
            "weights": [m.weight for m in self.metrics] + [self.rate_weight],
            "labels": [str(self.label_path(q, label_rel)) for q in self.qualities],
        })


def plugin_registry(modules: Sequence[str]) -> Registry:
    """The installed plugins plus ``modules`` (importable names with ``@hookimpl`` functions).

    Without extra modules this is the process-wide registry, so tests that register plugins
    in-process work with the in-process executor; workers in other processes load their own.
    """
    if not modules:
        return get_registry()
    imported = []
    for name in modules:
        try:
            imported.append(importlib.import_module(name))
        except ImportError as exc:
            raise LabelConfigError(
                f"plugin_modules: cannot import {name!r} ({exc}); it must be importable in every worker (PYTHONPATH)"
            ) from None
    return Registry.from_plugins(*imported, installed=True)


def create_checked(registry: Registry, component: Any, error: type[Exception]) -> Any:
    """Build a planned component in a worker, refusing one whose plugin versions differ from the plan's."""
    obj = registry.create(component.kind, component.spec)
    found = provenance(registry, component.kind, obj)
    if found != component.provenance:
        raise error(
            f"this worker's {component.kind} {component.label!r} is {found}, but the run was planned "
            f"with {component.provenance}; install the same plugin versions on every worker"
        )
    return obj


def provenance(registry: Registry, kind: str, obj: Any) -> str:
    """Canonical JSON of what makes this object's output what it is."""
    entry = next(e for e in registry.entries(kind) if e.name == obj.name)
    try:
        libraries = obj.library_versions()
    except Exception as exc:  # a broken plugin is named before any work starts, not a traceback
        raise KuchenError(
            f"{kind} {obj.spec!r} (from {entry.source.distribution}) cannot report its library versions: "
            f"{type(exc).__name__}: {exc}"
        ) from None
    return json.dumps({
        "spec": obj.spec,
        "distribution": entry.source.distribution,
        "version": entry.source.version,
        "libraries": libraries,
    }, sort_keys=True, separators=(",", ":"))


def build(registry: Registry, kind: str, spec: str, where: str) -> Any:
    """Build one object, turning the registry's and the parameters' errors into config errors."""
    try:
        return registry.create(kind, spec)
    except (KuchenError, ValueError, TypeError) as exc:
        raise LabelConfigError(f"{where} {spec!r}: {exc}") from None


def build_plan(config: LabelConfig) -> LabelPlan:
    """Check every name and parameter of ``config`` against the registry and freeze the result."""
    registry = plugin_registry(config.plugin_modules)
    methods = []
    seen: dict[str, str] = {}
    for i, spec in enumerate(config.methods):
        obj = build(registry, "method", spec, f"pool.methods[{i}]")
        if obj.spec in seen:
            raise LabelConfigError(f"pool.methods lists {obj.spec!r} twice ({seen[obj.spec]!r} and {spec!r})")
        seen[obj.spec] = spec
        methods.append(Component("method", obj.spec, spec, provenance(registry, "method", obj)))

    codec = build(registry, "codec", config.codec, "codec.name")
    for quality in config.qualities:
        try:
            codec.check_quality(quality)
        except ValueError as exc:
            raise LabelConfigError(f"codec.quality: {exc}") from None

    metrics = []
    for i, metric_config in enumerate(config.metrics):
        obj = build(registry, "metric", metric_config.spec, f"metrics[{i}].name")
        reference = metric_config.reference or ("original" if obj.info.needs_reference else "none")
        if obj.info.needs_reference and reference == "none":
            raise LabelConfigError(
                f"metrics[{i}]: {obj.name!r} is a full-reference metric; set reference = \"original\" "
                "(it is then scored against the input image)"
            )
        metrics.append(MetricUse(
            Component("metric", obj.spec, metric_config.spec, provenance(registry, "metric", obj)),
            reference == "original", metric_config.weight, obj.info.higher_is_better,
        ))
    labels = [m.component.label for m in metrics]
    if len(set(labels)) != len(labels):
        raise LabelConfigError(f"metrics lists a metric twice: {labels}")

    return LabelPlan(
        methods=tuple(methods),
        groups=tuple(make_groups(len(methods), config.max_group_size, config.order, config.identity)),
        codec=Component("codec", codec.spec, config.codec, provenance(registry, "codec", codec)),
        qualities=config.qualities,
        metrics=tuple(metrics),
        rate_weight=config.rate_weight,
        output=str(config.output.resolve()),
        cache_dir=str(config.cache_dir.resolve()),
        plugin_modules=config.plugin_modules,
    )
