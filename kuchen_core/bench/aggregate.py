"""From per-image results to the bench's tables: Table 1, BD-rate, matched-quality savings,
the post-processing table and the RD curves.

Every aggregate is over the same images: those for which every task succeeded (the others are
listed, never silently dropped). Rates over a set of images are 8 · total bytes / total pixels;
qualities are means over the images.
"""

from __future__ import annotations

import statistics
from typing import Any, Sequence

from .bdrate import bd_rate
from .plan import BenchPlan


ENCODE, DECODE = "encode_ms_per_mp", "decode_ms_per_mp"
TIME_UNIT = "ms per megapixel, median over the images"


def _mean(values: Sequence[float]) -> float | None:
    return statistics.fmean(values) if values else None


def _median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


class Aggregator:
    def __init__(self, plan: BenchPlan, rows: Sequence[dict[str, Any]], bd_method: str = "akima") -> None:
        self.plan = plan
        self.bd_method = bd_method
        self.used = [row for row in rows if not row.get("errors") and row.get("sha256")]
        self.failed = [row["image"] for row in rows if row.get("errors") or not row.get("sha256")]
        self.pixels = sum(row["height"] * row["width"] for row in self.used)
        self.entries = {
            (i, e["pre"], e["codec"], e["quality"]): e for i, row in enumerate(self.used) for e in row["evaluations"]
        }

    def grouped(self, field: str, codec: str, *keys: str) -> dict[tuple[Any, ...], list[tuple[str, dict[str, Any]]]]:
        """The used rows' ``field`` items of ``codec`` by the values of ``keys``, each with its image's name."""
        found: dict[tuple[Any, ...], list[tuple[str, dict[str, Any]]]] = {}
        for row in self.used:
            for item in row[field]:
                if item["codec"] == codec:
                    found.setdefault(tuple(item[key] for key in keys), []).append((row["image"], item))
        return found

    def point(self, pre: str, codec: str, quality: int) -> dict[str, Any]:
        """Total bytes, bpp and mean scores of (pre, codec, quality) over the used images."""
        entries = [self.entries[(i, pre, codec, quality)] for i in range(len(self.used))]
        total = sum(e["bytes"] for e in entries)
        return {
            "quality": quality,
            "bytes": total,
            "bpp": 8.0 * total / self.pixels if self.pixels else None,
            "metrics": {m.label: _mean([e["scores"][m.label] for e in entries]) for m in self.plan.metrics},
            "encoding_time": _median([e[ENCODE] for e in entries if ENCODE in e]),
            "decoding_time": _median([e[DECODE] for e in entries if DECODE in e]),
        }

    def curve(self, c: int, k: int) -> dict[str, Any]:
        chain, codec = self.plan.chains[c], self.plan.codecs[k]
        points = [self.point(chain.label, codec.label, q) for q in codec.ladder]
        return {
            "codec": codec.label,
            "pre": chain.display,
            "quality": list(codec.ladder),
            "bpp": [p["bpp"] for p in points],
            "bytes": [p["bytes"] for p in points],
            "encoding_time": [p["encoding_time"] for p in points],
            "decoding_time": [p["decoding_time"] for p in points],
            **{m.label: [p["metrics"][m.label] for p in points] for m in self.plan.metrics},
        }

    def table1(self, k: int) -> list[dict[str, Any]]:
        plan, codec = self.plan, self.plan.codecs[k]
        base = plan.codecs[codec.baseline]
        anchor = self.point(plan.chains[plan.original].label, base.label, base.reference)
        rows = []
        for owner, chain, _ in plan.lines(k):
            point = self.point(chain.label, owner.label, owner.reference)
            rows.append(
                {
                    "codec": owner.label,
                    "pre": chain.display,
                    "baseline": chain.is_original and owner is base,
                    **point,
                    "size_change": point["bytes"] / anchor["bytes"] - 1.0 if anchor["bytes"] else None,
                    "cr_improvement": anchor["bytes"] / point["bytes"] - 1.0 if point["bytes"] else None,
                }
            )
        return rows

    def bd_rates(self, k: int) -> list[dict[str, Any]]:
        plan, codec = self.plan, self.plan.codecs[k]
        anchor = self.curve(plan.original, codec.baseline)
        rows = []
        for c, chain in enumerate(plan.chains):
            if chain.is_original and codec.baseline == k:
                continue
            test = self.curve(c, k)
            values = {}
            for m in plan.metrics:
                result = bd_rate(
                    anchor["bpp"], anchor[m.label], test["bpp"], test[m.label], m.higher_is_better, self.bd_method
                )
                values[m.label] = {"value": result.value, "overlap": float(result.overlap), "note": result.note}
            rows.append(
                {"codec": codec.label, "pre": chain.display, "anchor": f"{anchor['codec']} Original", "metrics": values}
            )
        return rows

    def matched(self, k: int) -> list[dict[str, Any]]:
        plan, codec = self.plan, self.plan.codecs[k]
        found = self.grouped("matched", codec.label, "pre", "metric")
        rows = []
        for chain in plan.chains:
            if chain.is_original and codec.baseline == k:
                continue
            metrics = {}
            for use in plan.metrics:
                items = found.get((chain.label, use.label), [])
                reached = [m for _, m in items if m["reached"]]
                unreachable = [name for name, m in items if not m["reached"]]
                baseline_total = sum(m["baseline_bytes"] for m in reached)
                metrics[use.label] = {
                    "images": len(items),
                    "reached": len(reached),
                    "unreachable": len(unreachable),
                    "unreachable_images": unreachable,
                    "bytes": sum(m["bytes"] for m in reached),
                    "baseline_bytes": baseline_total,
                    "saving_total": 1.0 - sum(m["bytes"] for m in reached) / baseline_total if baseline_total else None,
                    "saving_mean": _mean([m["saving"] for m in reached]),
                    "quality_median": _median([m["quality"] for m in reached]),
                }
            rows.append({"codec": codec.label, "pre": chain.display, "metrics": metrics})
        return rows

    def post(self, k: int) -> list[dict[str, Any]]:
        plan, codec = self.plan, self.plan.codecs[k]
        found = self.grouped("post", codec.label, "quality", "post")
        rows = []
        for quality in codec.post_qualities:
            first = [p for _, p in found.get((quality, plan.posts[0].label), [])]
            rows.append(
                {
                    "codec": codec.label,
                    "quality": quality,
                    "bpp": 8.0 * sum(p["bytes"] for p in first) / self.pixels if self.pixels and first else None,
                    "without": {m.label: _mean([p["without"][m.label] for p in first]) for m in plan.metrics},
                    "with": {
                        post.label: {
                            m.label: _mean([p["with"][m.label] for _, p in found.get((quality, post.label), [])])
                            for m in plan.metrics
                        }
                        for post in plan.posts
                    },
                }
            )
        return rows

    def results(self) -> dict[str, Any]:
        plan = self.plan
        if not self.used:
            return {"images": {"used": 0, "failed": self.failed}, "codecs": [], "curves": []}
        return {
            "images": {"used": len(self.used), "failed": self.failed, "pixels": self.pixels},
            "time_unit": TIME_UNIT,
            "codecs": [
                {
                    "codec": codec.label,
                    "reference_quality": codec.reference,
                    "ladder": list(codec.ladder),
                    "post_qualities": list(codec.post_qualities),
                    "baseline": plan.codecs[codec.baseline].label,
                    "table1": self.table1(k),
                    "bd_rate": self.bd_rates(k),
                    "matched": self.matched(k) if plan.matched else [],
                    "post": self.post(k),
                }
                for k, codec in enumerate(plan.codecs)
            ],
            "curves": [self.curve(c, k) for k in range(len(plan.codecs)) for c in range(len(plan.chains))],
        }
