"""One bench task: one image through one pre-processing (every codec, its ladder, its reference
quality and the matched-quality search), or one image through one post-filter.

Every encode is a cache record keyed by what it depends on (the image's bytes, the chain's,
codec's and post-filter's provenance, the quality) holding the real byte count and the scores
computed so far; a score that is missing (a new metric, or a search that only needed one)
is added by encoding again. Pre-processed images are kept as lossless PNGs in the cache, so a
resumed run does not apply a slow method (Guetzli) twice. Records are written the moment they
are computed, atomically: a killed run loses only the encodes in flight.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import Any

import attrs
import numpy as np

from ..images import load_image, save_image
from ..pipeline import Measure, apply_methods, encode_and_measure, score
from ..runtime.cache import ContentCache, pixels_digest, stored_pixels
from ..runtime.files import write_atomic
from ..runtime.provenance import cached_toolkit, create_checked, plugin_registry
from .config import BenchConfigError
from .inputs import BenchImage
from .plan import BenchPlan, Chain
from .search import lowest_passing, meets

PRE, POST = "pre", "post"


@attrs.frozen
class BenchTask:
    plan: BenchPlan
    index: int
    image: BenchImage
    kind: str  # PRE: ``slot`` indexes plan.chains; POST: plan.posts
    slot: int


@attrs.frozen
class TaskOutcome:
    """What a worker sends back: small JSON-able data, no pixels."""

    index: int
    kind: str
    slot: int
    sha256: str | None = None
    height: int = 0
    width: int = 0
    evaluations: tuple[dict[str, Any], ...] = ()
    matched: tuple[dict[str, Any], ...] = ()
    post: tuple[dict[str, Any], ...] = ()
    computed: int = 0
    cached: int = 0
    errors: tuple[str, ...] = ()


@attrs.frozen
class Toolkit:
    chains: tuple[tuple[Any, ...], ...]
    codecs: tuple[Any, ...]
    measures: tuple[Measure, ...]  # in plan.metrics' order, scored under their cache keys
    posts: tuple[tuple[Any, ...], ...]


def toolkit(plan: BenchPlan) -> Toolkit:
    """The plan's plugin objects, built once per process and checked against the plan's provenance."""

    def build() -> Toolkit:
        make = functools.partial(
            create_checked, plugin_registry(plan.plugin_modules, BenchConfigError), error=BenchConfigError
        )
        return Toolkit(
            chains=tuple(tuple(make(m) for m in chain.methods) for chain in plan.chains),
            codecs=tuple(make(c.component) for c in plan.codecs),
            measures=tuple(Measure(make(m.component), m.key, m.label, m.needs_reference) for m in plan.metrics),
            posts=tuple(tuple(make(m) for m in chain.methods) for chain in plan.posts),
        )

    return cached_toolkit(plan.key, build)


def run_task(task: BenchTask) -> TaskOutcome:
    """Run one task; errors are returned in the outcome (with what did finish), never raised."""
    try:
        worker = _Worker(task)
    except Exception as exc:  # an unreadable image, a plugin that cannot be built
        return failed(task, f"{type(exc).__name__}: {exc}")
    if task.kind == PRE:
        worker.run_pre(task.slot)
    else:
        worker.run_post(task.slot)
    return worker.outcome()


def failed(task: BenchTask, error: str) -> TaskOutcome:
    """A task that raised, or whose worker died, is an error for that (image, task)."""
    return TaskOutcome(task.index, task.kind, task.slot, errors=(error,))


class _Worker:
    def __init__(self, task: BenchTask) -> None:
        self.task = task
        self.plan = task.plan
        self.tools = toolkit(self.plan)
        self.cache = ContentCache(self.plan.cache_dir)
        data = Path(task.image.path).read_bytes()
        self.sha = hashlib.sha256(data).hexdigest()
        self.image = load_image(data)
        self.records: dict[str, dict[str, Any]] = {}
        self.processed_images: dict[int, np.ndarray] = {}
        self.chain_errors: dict[int, Exception] = {}
        self.entries: dict[tuple[int, int], dict[str, Any]] = {}
        self.matched: list[dict[str, Any]] = []
        self.post: list[dict[str, Any]] = []
        self.errors: list[str] = []
        self.computed = self.cached = 0

    # -- images ------------------------------------------------------------------------------

    def processed(self, index: int) -> np.ndarray:
        """The chain's pre-codec image: from the pixel cache, else computed and stored there."""
        if index in self.processed_images:
            return self.processed_images[index]
        if index in self.chain_errors:  # a method that raised once fails every codec of this chain
            raise self.chain_errors[index]
        chain = self.plan.chains[index]
        if chain.is_original:
            return self.image
        out = kept_pixels(self.plan, self.sha, chain)
        if out is None:
            try:
                out = apply_methods(self.image, self.tools.chains[index])
            except Exception as exc:
                self.chain_errors[index] = exc
                raise
            store, key, path = pixels_store(self.plan, self.sha, chain)
            path.parent.mkdir(parents=True, exist_ok=True)
            save_image(path, out)
            store.put(key, {"pixels": pixels_digest(out)})
        self.processed_images[index] = out
        return out

    # -- one encode --------------------------------------------------------------------------

    def evaluate(
        self,
        chain: int,
        codec_index: int,
        quality: int,
        metrics: list[int] | None = None,
        post: int | None = None,
        keep: bool = False,
    ) -> dict[str, Any]:
        """The record of ``chain`` through codec ``codec_index`` at ``quality`` (then post-filter ``post``),
        with at least the scores of ``metrics`` (default: all)."""
        plan = self.plan
        metrics = list(range(len(plan.metrics))) if metrics is None else metrics
        post_chain = plan.posts[post] if post is not None else None
        key = plan.record_key(self.sha, plan.chains[chain], codec_index, quality, post_chain)
        record = self.records.get(key) or self.cache.get(key)
        if record is not None and not (isinstance(record.get("scores"), dict) and isinstance(record.get("bytes"), int)):
            record = None  # not a record this code wrote: a miss
        missing = metrics if record is None else [m for m in metrics if plan.metrics[m].key not in record["scores"]]
        # the reference file (the report's crops decode it) must be kept and match its record, else encode again
        if record is not None and not missing and (not keep or stored_file(plan, key, codec_index, record) is not None):
            if key not in self.records:
                self.cached += 1
            self.records[key] = record
            return record
        measures = self.tools.measures
        result = encode_and_measure(
            self.processed(chain),
            self.tools.codecs[codec_index],
            quality,
            [measures[m] for m in missing],
            reference=self.image,
            post=self.tools.posts[post] if post is not None else (),
            require_finite=True,
        )
        digest = hashlib.sha256(result.data).hexdigest()[:16]
        if keep:
            path = file_path(plan, key, codec_index)
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, result.data)
        scores, timings = (dict(record["scores"]), dict(record["timings"])) if record else ({}, {})
        if record is not None and record.get("sha256") != digest:  # not deterministic: start the record afresh
            others = [measures[m] for m in range(len(measures)) if m not in missing]
            scores, timings = score(others, result.decoded, self.image, timings, require_finite=True), {}
        timings.update({stage: seconds for stage, seconds in result.timings.items() if stage != "metrics"})
        timings.update(result.metric_timings)
        scores.update(result.scores)
        record = {
            "bytes": result.n_bytes,
            "bpp": result.bpp,
            "sha256": digest,
            "scores": scores,
            "timings": {stage: round(seconds, 6) for stage, seconds in timings.items()},
        }
        self.cache.put(key, record)
        self.records[key] = record
        self.computed += 1
        return record

    def scores(self, record: dict[str, Any]) -> dict[str, float]:
        return {m.label: record["scores"][m.key] for m in self.plan.metrics if m.key in record["scores"]}

    def note(self, codec_index: int, quality: int, record: dict[str, Any], role: str) -> None:
        entry = self.entries.setdefault(
            (codec_index, quality), {"codec": self.plan.codecs[codec_index].label, "quality": quality, "roles": []}
        )
        timings = record.get("timings", {})
        megapixels = self.image.shape[0] * self.image.shape[1] / 1e6
        entry.update(
            bytes=record["bytes"],
            bpp=record["bpp"],
            scores=self.scores(record),
            # as measured when the record was computed
            **{
                f"{stage}_ms_per_mp": round(1000.0 * timings[stage] / megapixels, 3)
                for stage in ("encode", "decode")
                if stage in timings
            },
        )
        if role not in entry["roles"]:
            entry["roles"].append(role)

    # -- the two kinds of task ---------------------------------------------------------------

    def run_pre(self, chain: int) -> None:
        plan = self.plan
        for codec_index, codec in enumerate(plan.codecs):
            try:
                # each quality once: the reference's kept file is read back and hashed once per task
                records = {
                    quality: self.evaluate(chain, codec_index, quality, keep=quality == codec.reference)
                    for quality in dict.fromkeys([*codec.ladder, codec.reference])
                }
                for quality in codec.ladder:
                    self.note(codec_index, quality, records[quality], "ladder")
                self.note(codec_index, codec.reference, records[codec.reference], "reference")
                if plan.matched and not (plan.chains[chain].is_original and codec.baseline == codec_index):
                    self.search(chain, codec_index)
            except Exception as exc:  # this codec fails for this image; the other codecs still run
                self.errors.append(f"{plan.chains[chain].display} + {codec.label}: {type(exc).__name__}: {exc}")

    def search(self, chain: int, codec_index: int) -> None:
        """Per metric: the cheapest quality of codec ``codec_index`` at which chain ``chain`` reaches the baseline's
        score (the baseline codec's Original at its reference quality)."""
        plan, codec = self.plan, self.plan.codecs[codec_index]
        base = plan.codecs[codec.baseline]
        target_record = self.evaluate(plan.original, codec.baseline, base.reference)
        for metric_index, use in enumerate(plan.metrics):
            target = target_record["scores"][use.key]

            def passes(quality: int) -> bool:
                record = self.evaluate(chain, codec_index, quality, [metric_index])
                self.note(codec_index, quality, record, "search")
                return meets(record["scores"][use.key], target, use.higher_is_better)

            known = {
                q: meets(self.evaluate(chain, codec_index, q)["scores"][use.key], target, use.higher_is_better)
                for q in codec.ladder
            }
            found = lowest_passing(codec.scale, passes, known)
            row: dict[str, Any] = {
                "codec": codec.label,
                "metric": use.label,
                "baseline": base.label,
                "target_quality": base.reference,
                "target": target,
                "baseline_bytes": target_record["bytes"],
                "quality": found,
            }
            if found is None:
                row.update(reached=False, bytes=None, score=None, saving=None)
            else:
                record = self.evaluate(chain, codec_index, found, [metric_index])
                row.update(
                    reached=True,
                    bytes=record["bytes"],
                    score=record["scores"][use.key],
                    saving=1.0 - record["bytes"] / target_record["bytes"],
                )
            self.matched.append(row)

    def run_post(self, post: int) -> None:
        plan, original = self.plan, self.plan.original
        for codec_index, codec in enumerate(plan.codecs):
            try:
                for quality in codec.post_qualities:
                    without = self.evaluate(original, codec_index, quality)
                    with_post = self.evaluate(original, codec_index, quality, post=post)
                    self.post.append(
                        {
                            "codec": codec.label,
                            "quality": quality,
                            "post": plan.posts[post].label,
                            "bytes": without["bytes"],
                            "bpp": without["bpp"],
                            "without": self.scores(without),
                            "with": self.scores(with_post),
                        }
                    )
            except Exception as exc:
                self.errors.append(f"post {plan.posts[post].label} after {codec.label}: {type(exc).__name__}: {exc}")

    def outcome(self) -> TaskOutcome:
        pre = self.plan.chains[self.task.slot].label if self.task.kind == PRE else None
        evaluations = tuple({"pre": pre, **entry} for _, entry in sorted(self.entries.items()))
        matched = tuple({"pre": pre, **row} for row in self.matched)
        return TaskOutcome(
            self.task.index,
            self.task.kind,
            self.task.slot,
            self.sha,
            int(self.image.shape[0]),
            int(self.image.shape[1]),
            evaluations,
            matched,
            tuple(self.post),
            self.computed,
            self.cached,
            tuple(self.errors),
        )


def file_path(plan: BenchPlan, record_key: str, k: int) -> Path:
    """Where the cache keeps the file of an encode (reference qualities only)."""
    return Path(plan.cache_dir) / "files" / record_key[:2] / f"{record_key[2:]}{plan.codecs[k].extension}"


def stored_file(plan: BenchPlan, record_key: str, k: int, record: dict[str, Any] | None) -> bytes | None:
    """The kept file of an encode when its size and hash are the ones ``record`` holds, else ``None``."""
    try:
        data = file_path(plan, record_key, k).read_bytes()
    except OSError:
        return None
    if (
        record is None
        or len(data) != record.get("bytes")
        or hashlib.sha256(data).hexdigest()[:16] != record.get("sha256")
    ):
        return None
    return data


def pixels_store(plan: BenchPlan, image_sha: str, chain: Chain) -> tuple[ContentCache, str, Path]:
    """Where the cache keeps a chain's pre-processed image: a PNG beside the JSON record of its digest."""
    store, key = ContentCache(Path(plan.cache_dir) / "pixels"), plan.pixels_key(image_sha, chain)
    return store, key, store.path(key).with_suffix(".png")


def kept_pixels(plan: BenchPlan, image_sha: str, chain: Chain) -> np.ndarray | None:
    """The chain's pre-processed image as the cache keeps it, when intact; else None."""
    store, key, path = pixels_store(plan, image_sha, chain)
    return stored_pixels(path, (store.get(key) or {}).get("pixels"))
