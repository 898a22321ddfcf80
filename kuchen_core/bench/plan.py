"""Turn a :class:`BenchConfig` into a checked, picklable plan: every plugin built once against the
registry (before any image is touched), qualities resolved per codec, and each plugin's
provenance (canonical spec, distribution, version, library versions) fixed for the cache keys.
"""

from __future__ import annotations

import json
from typing import Any, Sequence

import attrs

from ..registry import Registry
from ..runtime.cache import content_key
from ..runtime.provenance import Component, plan_component, plugin_registry
from .config import ALL, NONE, BenchConfig, BenchConfigError, split_chain

SCHEMA = 1  # bump when what a cached record means changes

# Default qualities, in percent of the codec's quality scale (for 0/1..100 scales: the value itself).
REFERENCE_PERCENT = 50
LADDER_PERCENT = (25, 35, 50, 65, 80, 90)
POST_PERCENT = (10, 20, 30, 40)


@attrs.frozen
class Chain:
    """A series of methods (``()`` for the Original); ``label`` as the user wrote it."""

    label: str
    methods: tuple[Component, ...]

    @property
    def is_original(self) -> bool:
        return not self.methods

    @property
    def display(self) -> str:
        return "Original" if self.is_original else self.label


@attrs.frozen
class CodecPlan:
    component: Component
    name: str
    reference: int  # Table 1's quality
    ladder: tuple[int, ...]  # BD-rate's qualities, worst first
    post_qualities: tuple[int, ...]
    baseline: int  # index of the codec whose Original every row is compared with
    scale: tuple[int, ...]  # every quality, worst first: the matched-quality search space
    extension: str = ".bin"  # the codec's file suffix

    @property
    def label(self) -> str:
        return self.component.label


@attrs.frozen
class MetricPlan:
    component: Component
    name: str
    needs_reference: bool
    higher_is_better: bool
    unit: str = ""

    @property
    def label(self) -> str:
        return self.component.label

    @property
    def axis(self) -> str:
        """The plot axis title: name, unit and direction, e.g. ``psnr (dB, higher is better)``."""
        direction = f"{'higher' if self.higher_is_better else 'lower'} is better"
        return f"{self.label} ({self.unit + ', ' if self.unit else ''}{direction})"

    @property
    def key(self) -> str:
        return content_key(self.component.provenance)[:16]


@attrs.frozen
class BenchPlan:
    """Everything a worker needs; small, so it travels with every task."""

    chains: tuple[Chain, ...]
    codecs: tuple[CodecPlan, ...]
    metrics: tuple[MetricPlan, ...]
    posts: tuple[Chain, ...]
    cache_dir: str
    matched: bool = True
    plugin_modules: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return content_key(attrs.asdict(self))

    @property
    def original(self) -> int:
        return next(i for i, chain in enumerate(self.chains) if chain.is_original)

    def lines(self, k: int) -> list[tuple[CodecPlan, Chain, bool]]:
        """What codec ``k``'s tables and charts show, as (codec, chain, is another codec's baseline):
        the baseline codec's Original first when it is another codec, then every chain through ``k``."""
        codec = self.codecs[k]
        lines = [(self.codecs[codec.baseline], self.chains[self.original], True)] if codec.baseline != k else []
        return lines + [(codec, chain, False) for chain in self.chains]

    def record_key(self, image_sha: str, chain: Chain, codec: int, quality: int, post: Chain | None = None) -> str:
        """What one encode (and its scores) depends on — and nothing else."""
        return content_key(
            {
                "schema": SCHEMA,
                "image": image_sha,
                "methods": [m.provenance for m in chain.methods],
                "codec": self.codecs[codec].component.provenance,
                "quality": quality,
                "post": None if post is None else [m.provenance for m in post.methods],
            }
        )

    def pixels_key(self, image_sha: str, chain: Chain) -> str:
        return content_key({"schema": SCHEMA, "image": image_sha, "methods": [m.provenance for m in chain.methods]})

    def provenance(self) -> dict[str, Any]:
        """Every plugin with its distribution, version and library versions."""

        def one(component: Component) -> dict[str, Any]:
            return {"label": component.label, **json.loads(component.provenance)}

        return {
            "codecs": [one(c.component) for c in self.codecs],
            "methods": [one(m) for chain in (*self.chains, *self.posts) for m in chain.methods],
            "metrics": [one(m.component) for m in self.metrics],
        }


def _percent(info: Any, percent: int) -> int:
    low, high = info.quality_range
    if info.higher_quality_is_better and high == 100 and low in (0, 1):
        return max(low, percent)
    span = (high - low) * percent / 100
    return int(round(low + span if info.higher_quality_is_better else high - span))


def _lookup(values: dict[str, Any], label: str, name: str, default: Any) -> Any:
    return next((values[key] for key in (label, name, ALL) if key in values), default)


def _check_keys(values: dict[str, Any], codecs: Sequence[tuple[str, str]], where: str) -> None:
    known = {ALL} | {label for label, _ in codecs} | {name for _, name in codecs}
    unknown = sorted(set(values) - known)
    if unknown:
        raise BenchConfigError(
            f"{where} names {', '.join(unknown)}, which is not among the codecs "
            f"({', '.join(label for label, _ in codecs)})"
        )


def _worst_first(codec: Any, qualities: Sequence[int], where: str) -> tuple[int, ...]:
    for quality in qualities:
        try:
            codec.check_quality(quality)
        except ValueError as exc:
            raise BenchConfigError(f"{where}: {exc}") from None
    return tuple(sorted(set(qualities), reverse=not codec.info.higher_quality_is_better))


def _chain(registry: Registry, label: str, where: str) -> Chain:
    where = f"{where} {label!r}:"
    try:
        specs = split_chain(label)
    except ValueError as exc:
        raise BenchConfigError(f"{where} {exc}") from None
    return Chain(label, tuple(plan_component(registry, "method", spec, where, BenchConfigError)[1] for spec in specs))


def build_plan(config: BenchConfig) -> BenchPlan:
    """Check every name, parameter and quality of ``config`` against the registry and freeze the result."""
    registry = plugin_registry(config.plugin_modules, BenchConfigError)
    chains = [_chain(registry, label, "--pre") for label in config.pre]
    if not any(chain.is_original for chain in chains):
        chains.insert(0, Chain(NONE, ()))  # every comparison needs the Original
    posts = [_chain(registry, label, "--post") for label in config.post]
    if any(post.is_original for post in posts):
        raise BenchConfigError("--post: 'none' is always shown (the 'without' column); list post-filters only")
    return BenchPlan(
        chains=tuple(chains),
        codecs=_codec_plans(registry, config, bool(posts)),
        metrics=_metric_plans(registry, config),
        posts=tuple(posts),
        cache_dir=str(config.cache_dir.resolve()),
        matched=config.matched,
        plugin_modules=config.plugin_modules,
    )


def _codec_plans(registry: Registry, config: BenchConfig, with_posts: bool) -> tuple[CodecPlan, ...]:
    """Each codec with its reference quality, ladder, post-filter qualities and baseline, checked."""
    built = [plan_component(registry, "codec", spec, "--codecs", BenchConfigError) for spec in config.codecs]
    labels = [(component.label, obj.name) for obj, component in built]
    if len({c.spec for _, c in built}) != len(built):
        raise BenchConfigError(f"--codecs lists a codec twice: {list(config.codecs)}")
    for values, where in (
        (config.quality, "--quality"),
        (config.ladder, "--ladder"),
        (config.post_qualities, "--post-quality"),
        (config.baseline, "--baseline"),
    ):
        _check_keys(values, labels, where)

    def codec_index(text: str) -> int:
        for i, (label, name) in enumerate(labels):
            if text in (label, name) or text == built[i][1].spec:
                return i
        raise BenchConfigError(
            f"--baseline {text!r} is not among the codecs ({', '.join(label for label, _ in labels)}); "
            "add it to --codecs"
        )

    codecs = []
    for i, (obj, component) in enumerate(built):
        label, name = labels[i]
        reference = _lookup(config.quality, label, name, _percent(obj.info, REFERENCE_PERCENT))
        ladder = _lookup(config.ladder, label, name, sorted({_percent(obj.info, p) for p in LADDER_PERCENT}))
        post_qualities = _lookup(
            config.post_qualities, label, name, sorted({_percent(obj.info, p) for p in POST_PERCENT})
        )
        if len(set(ladder)) < 2:
            raise BenchConfigError(f"--ladder for {label}: BD-rate needs at least 2 qualities, got {list(ladder)}")
        baseline = _lookup(config.baseline, label, name, None)
        low, high = obj.info.quality_range
        codecs.append(
            CodecPlan(
                component=component,
                name=name,
                reference=_worst_first(obj, [reference], f"--quality for {label}")[0],
                ladder=_worst_first(obj, ladder, f"--ladder for {label}"),
                post_qualities=_worst_first(obj, post_qualities, f"--post-quality for {label}") if with_posts else (),
                baseline=i if baseline is None else codec_index(baseline),
                scale=_worst_first(obj, range(low, high + 1), label),
                extension=obj.info.extension,
            )
        )
    return tuple(codecs)


def _metric_plans(registry: Registry, config: BenchConfig) -> tuple[MetricPlan, ...]:
    """Each metric with what the tables need to know of it; at least one, none twice."""
    built = [plan_component(registry, "metric", spec, "--metrics", BenchConfigError) for spec in config.metrics]
    metrics = [MetricPlan(c, m.name, m.info.needs_reference, m.info.higher_is_better, m.info.unit) for m, c in built]
    if not metrics:
        raise BenchConfigError("no metrics: pass --metrics, e.g. --metrics psnr,ssimulacra2")
    if len({m.label for m in metrics}) != len(metrics):
        raise BenchConfigError(f"--metrics lists a metric twice: {list(config.metrics)}")
    return tuple(metrics)
