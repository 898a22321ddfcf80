"""Label one image (one task): every group through codec and metrics, scored, the winner saved.

Work is shared along the prefix tree of the groups (A→B starts from A's output), so each
distinct prefix is applied once per image; only the current path of the tree and the
candidates' pre-codec images (up to a memory budget) are held. Each finished
(group, quality) result goes to the content cache at once, so a killed run loses at most the
evaluations in flight; a failure is recorded for its (group, quality) and never cached.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Any

import attrs
import numpy as np

from ..images import load_image, save_image
from ..pipeline import Measure, apply_methods, encode_and_measure
from ..runtime.cache import ContentCache, pixels_digest, stored_pixels
from ..runtime.files import file_sha256
from ..runtime.provenance import cached_toolkit, create_checked, plugin_registry
from .config import LabelConfigError
from .groups import Group, children
from .inputs import InputImage
from .plan import LabelPlan
from .scoring import scores, winner

RETAIN_BYTES = 256 * 2**20  # pre-codec images kept per image so the winner needs no recomputation


@attrs.frozen
class ImageTask:
    plan: LabelPlan
    index: int
    image: InputImage


@attrs.frozen
class ImageOutcome:
    """What a worker sends back: small; the full manifest row stays in the cache under ``record_key``."""

    index: int
    name: str
    record_key: str | None = None
    winners: dict[int, str | None] = attrs.field(factory=dict)
    computed: int = 0
    cached: int = 0
    applications: int = 0
    failures: tuple[tuple[str, int, str], ...] = ()
    error: str | None = None
    seconds: float = 0.0


@attrs.frozen
class Toolkit:
    methods: tuple[Any, ...]
    codec: Any
    metrics: tuple[Measure, ...]


def toolkit(plan: LabelPlan) -> Toolkit:
    """The plan's plugin objects, built once per process and checked against the plan's provenance."""

    def build() -> Toolkit:
        registry = plugin_registry(plan.plugin_modules, LabelConfigError)
        components = [*plan.methods, plan.codec, *(m.component for m in plan.metrics)]
        objects = [create_checked(registry, component, LabelConfigError) for component in components]
        n = len(plan.methods)
        metrics = tuple(
            Measure(metric, use.component.label, use.component.label, use.use_reference)
            for use, metric in zip(plan.metrics, objects[n + 1 :])
        )
        return Toolkit(tuple(objects[:n]), objects[n], metrics)

    return cached_toolkit(plan.key, build)


def label_image(task: ImageTask) -> ImageOutcome:
    """Label one image; any error is returned in the outcome, never raised, so the run goes on."""
    start = time.perf_counter()
    try:
        outcome = _ImageLabeler(task).run()
    except Exception as exc:  # an unreadable image, a label that cannot be written, a broken plugin
        outcome = ImageOutcome(task.index, task.image.name, error=f"{type(exc).__name__}: {exc}")
    return attrs.evolve(outcome, seconds=time.perf_counter() - start)


class _ImageLabeler:
    def __init__(self, task: ImageTask) -> None:
        self.task = task
        self.plan = task.plan
        self.tools = toolkit(task.plan)
        self.cache = ContentCache(self.plan.cache_dir)
        self.keys: dict[tuple[int, int], str] = {}
        self.results: dict[tuple[int, int], dict[str, Any]] = {}  # evaluated (group, quality) pairs
        self.failures: dict[tuple[int, int], str] = {}
        self.retained: dict[int, np.ndarray] = {}
        self.computed = 0
        self.applications = 0

    def run(self) -> ImageOutcome:
        plan, image_info = self.plan, self.task.image
        data = Path(image_info.path).read_bytes()
        sha = hashlib.sha256(data).hexdigest()
        record_key = plan.record_key(sha, image_info.name, image_info.label_rel)
        record = self.cache.get(record_key)
        if record is not None and _intact(record, plan):
            total = len(plan.groups) * len(plan.qualities)
            return ImageOutcome(self.task.index, image_info.name, record_key, _winners(record), cached=total)

        self.image = load_image(data)
        self.keys = {
            (g, q): plan.result_key(sha, group, q) for g, group in enumerate(plan.groups) for q in plan.qualities
        }
        self.results = {slot: result for slot, key in self.keys.items() if (result := self.cache.get(key)) is not None}
        cached = len(self.results)
        self._evaluate_missing()
        row = self._row(sha)
        self.cache.put(record_key, row)
        return ImageOutcome(
            self.task.index,
            image_info.name,
            record_key,
            _winners(row),
            self.computed,
            cached,
            self.applications,
            tuple((plan.group_name(plan.groups[g]), q, error) for (g, q), error in sorted(self.failures.items())),
        )

    # -- evaluation along the prefix tree ---------------------------------------------------

    def _evaluate_missing(self) -> None:
        index = {self.plan.groups[g]: g for g, q in self.keys if (g, q) not in self.results}
        tree = children(index)

        def walk(prefix: Group, processed: np.ndarray, elapsed: float) -> None:
            if prefix in index:
                self._evaluate_group(index[prefix], processed, elapsed)
            for method_index in tree.get(prefix, []):
                child = prefix + (method_index,)
                begin = time.perf_counter()
                try:
                    out = apply_methods(processed, [self.tools.methods[method_index]])
                except Exception as exc:  # fails every group below this prefix, only those
                    error = f"method {self.plan.methods[method_index].label!r}: {type(exc).__name__}: {exc}"
                    below = [g for group, g in index.items() if group[: len(child)] == child]
                    self.failures.update(
                        {(g, q): error for g in below for q in self.plan.qualities if (g, q) not in self.results}
                    )
                    continue
                finally:
                    self.applications += 1
                walk(child, out, elapsed + time.perf_counter() - begin)

        walk((), self.image, 0.0)

    def _evaluate_group(self, g: int, processed: np.ndarray, elapsed: float) -> None:
        if sum(kept.nbytes for kept in self.retained.values()) + processed.nbytes <= RETAIN_BYTES:
            self.retained[g] = processed
        pixels = pixels_digest(processed)
        for q in self.plan.qualities:
            if (g, q) in self.results:
                continue
            try:
                result = encode_and_measure(
                    processed, self.tools.codec, q, self.tools.metrics, reference=self.image, require_finite=True
                )
            except Exception as exc:
                self.failures[(g, q)] = f"{type(exc).__name__}: {exc}"
                continue
            entry = {
                "bpp": result.bpp,
                "bytes": result.n_bytes,
                "quality": result.scores,
                "pixels": pixels,
                "timings": {k: round(v, 6) for k, v in {"methods": elapsed, **result.timings}.items()},
            }
            self.cache.put(self.keys[(g, q)], entry)
            self.results[(g, q)] = entry
            self.computed += 1

    # -- scoring, labels and the manifest row -------------------------------------------------

    def _row(self, sha: str) -> dict[str, Any]:
        plan = self.plan
        names = [plan.group_name(group) for group in plan.groups]
        labels = [use.component.label for use in plan.metrics]
        per_quality = []
        for q in plan.qualities:
            ok = [g for g in range(len(names)) if (g, q) in self.results]
            results = [self.results[(g, q)] for g in ok]
            total, z_quality, z_bpp = scores(
                [[r["quality"][label] for r in results] for label in labels],
                [r["bpp"] for r in results],
                [use.weight for use in plan.metrics],
                [use.higher_is_better for use in plan.metrics],
                plan.rate_weight,
            )
            scored = {
                g: {
                    **results[j],
                    "z_quality": {label: z[j] for label, z in zip(labels, z_quality)},
                    "z_bpp": z_bpp[j],
                    "score": total[j],
                }
                for j, g in enumerate(ok)
            }
            best = ok[winner(total)] if ok else None
            per_quality.append(
                {
                    "codec": plan.codec.label,
                    "quality": q,
                    "winner": names[best] if best is not None else None,
                    **self._write_label(best, q),
                    "groups": [
                        {"group": name, **scored[g]} if g in scored else {"group": name, "error": self.failures[(g, q)]}
                        for g, name in enumerate(names)
                    ],
                }
            )
        return {
            "image": self.task.image.name,
            "sha256": sha,
            "height": self.image.shape[0],
            "width": self.image.shape[1],
            "results": per_quality,
            "failed": len(self.failures),
        }

    def _write_label(self, g: int | None, quality: int) -> dict[str, Any]:
        if g is None:
            return {"label": None, "label_sha256": None}
        path = self.plan.label_path(quality, self.task.image.label_rel)
        processed = self.retained.get(g)
        # a label already in place with the winner's pixels (copied over with the cache, or left by
        # an earlier run) is kept: the winner need not be applied again
        if processed is not None or stored_pixels(path, self.results[(g, quality)]["pixels"]) is None:
            if processed is None:  # the winner came from the cache, or did not fit the memory budget
                processed = apply_methods(self.image, [self.tools.methods[i] for i in self.plan.groups[g]])
                self.applications += len(self.plan.groups[g])
                self.retained[g] = processed
            path.parent.mkdir(parents=True, exist_ok=True)
            save_image(path, processed)
        return {"label": path.relative_to(self.plan.output).as_posix(), "label_sha256": file_sha256(path)}


def _intact(record: dict[str, Any], plan: LabelPlan) -> bool:
    """A finished row with every label file present and unchanged."""
    if record.get("failed"):
        return False
    labels = [(Path(plan.output) / result["label"], result["label_sha256"]) for result in record.get("results", [])]
    return all(path.is_file() and file_sha256(path) == sha for path, sha in labels)


def _winners(record: dict[str, Any]) -> dict[int, str | None]:
    return {result["quality"]: result["winner"] for result in record["results"]}
