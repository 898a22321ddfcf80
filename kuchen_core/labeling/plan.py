"""Turn a config into a checked, picklable plan: every name built once against the registry
(before any work starts), groups enumerated, and each plugin's provenance (canonical spec,
distribution, version, library versions) fixed — the provenance is what cache keys hash.
"""

from __future__ import annotations

from pathlib import Path

import attrs

from ..registry import Registry
from ..runtime.cache import content_key
from ..runtime.provenance import Component, plan_component, plugin_registry
from .config import LabelConfig, LabelConfigError
from .groups import Group, group_name, make_groups

SCHEMA = 1  # bump when what a cached record means changes


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
        return content_key(
            {
                "schema": SCHEMA,
                "image": image_sha,
                "methods": [self.methods[i].provenance for i in group],
                "codec": self.codec.provenance,
                "quality": quality,
                "metrics": [[m.component.provenance, m.use_reference] for m in self.metrics],
            }
        )

    def label_path(self, quality: int, label_rel: str) -> Path:
        return Path(self.output) / "labels" / f"q{quality}" / label_rel

    def record_key(self, image_sha: str, name: str, label_rel: str) -> str:
        """Key of an image's manifest row: its results, the names shown, the weights and label files."""
        return content_key(
            {
                "schema": SCHEMA,
                "image": name,
                "results": [self.result_key(image_sha, g, q) for g in self.groups for q in self.qualities],
                "names": [m.label for m in self.methods]
                + [m.component.label for m in self.metrics]
                + [self.codec.label],
                "weights": [m.weight for m in self.metrics] + [self.rate_weight],
                "labels": [str(self.label_path(q, label_rel)) for q in self.qualities],
            }
        )


def build_plan(config: LabelConfig) -> LabelPlan:
    """Check every name and parameter of ``config`` against the registry and freeze the result."""
    registry = plugin_registry(config.plugin_modules, LabelConfigError)
    methods = _method_components(registry, config)
    codec, codec_component = plan_component(registry, "codec", config.codec, "codec.name", LabelConfigError)
    for quality in config.qualities:
        try:
            codec.check_quality(quality)
        except ValueError as exc:
            raise LabelConfigError(f"codec.quality: {exc}") from None
    metrics = _metric_uses(registry, config)
    return LabelPlan(
        methods=methods,
        groups=tuple(make_groups(len(methods), config.max_group_size, config.order, config.identity)),
        codec=codec_component,
        qualities=config.qualities,
        metrics=metrics,
        rate_weight=config.rate_weight,
        output=str(config.output.resolve()),
        cache_dir=str(config.cache_dir.resolve()),
        plugin_modules=config.plugin_modules,
    )


def _method_components(registry: Registry, config: LabelConfig) -> tuple[Component, ...]:
    """The pool's methods, none listed twice (under any spelling)."""
    methods: dict[str, Component] = {}  # by canonical spec; a component's label is the spec as written
    for i, spec in enumerate(config.methods):
        _, method = plan_component(registry, "method", spec, f"pool.methods[{i}]", LabelConfigError)
        if method.spec in methods:
            raise LabelConfigError(
                f"pool.methods lists {method.spec!r} twice ({methods[method.spec].label!r} and {spec!r})"
            )
        methods[method.spec] = method
    return tuple(methods.values())


def _metric_uses(registry: Registry, config: LabelConfig) -> tuple[MetricUse, ...]:
    """The scoring metrics with their reference and weight; a full-reference metric needs the original."""
    metrics = []
    for i, metric_config in enumerate(config.metrics):
        obj, component = plan_component(registry, "metric", metric_config.spec, f"metrics[{i}].name", LabelConfigError)
        reference = metric_config.reference or ("original" if obj.info.needs_reference else "none")
        if obj.info.needs_reference and reference == "none":
            raise LabelConfigError(
                f'metrics[{i}]: {obj.name!r} is a full-reference metric; set reference = "original" '
                "(it is then scored against the input image)"
            )
        metrics.append(MetricUse(component, reference == "original", metric_config.weight, obj.info.higher_is_better))
    labels = [m.component.label for m in metrics]
    if len(set(labels)) != len(labels):
        raise LabelConfigError(f"metrics lists a metric twice: {labels}")
    return tuple(metrics)
