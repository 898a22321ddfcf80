"""The bench's files besides the JSON: RD-curve PNGs (matplotlib, Agg), side-by-side crops and
an HTML report that shows the tables, the plots and the crops (image files next to it).

matplotlib is imported inside the functions that draw, so importing this module stays light.
"""

from __future__ import annotations

import html
import json
import random
import re
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..runtime.files import atomic_output, write_atomic
from ..images import load_image, save_image
from ..pipeline import apply_methods
from ..runtime.cache import ContentCache
from .evaluate import kept_pixels, stored_file, toolkit
from .plan import BenchPlan
from .svgplot import PALETTE, Point, Series, rd_chart
from .tables import sections

PLOTS, CROPS, CURVES = "plots", "crops", "curves"
# what a run publishes, all replaced by each run: files at the top, and the files of its folders
PUBLISHED = ("results.jsonl", "tables.md", "summary.json", "report.html")
PUBLISHED_IN = {CURVES: "*.json", PLOTS: "*.png", CROPS: "*.png"}
RATE_AXIS = "rate (bpp: bits per pixel of the real file)"


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_") or "x"


def clear_published(out: Path) -> None:
    """Remove what an earlier run published in ``out`` (only the files a bench writes), so the outputs
    of two runs never mix: a run that stops part-way leaves none of the old run's report beside it."""
    for name in PUBLISHED:
        (out / name).unlink(missing_ok=True)
    for folder, pattern in PUBLISHED_IN.items():
        for path in (out / folder).glob(pattern):
            path.unlink(missing_ok=True)


# -- RD curves ------------------------------------------------------------------------------


def plot_curves(plan: BenchPlan, results: dict[str, Any], out: Path, provenance_text: str) -> list[dict[str, str]]:
    """One PNG per codec and metric: quality against bpp for every pre-processing (and the baseline)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder = out / PLOTS
    folder.mkdir(parents=True, exist_ok=True)
    curves = {(c["codec"], c["pre"]): c for c in results["curves"]}
    made = []
    for k, codec in enumerate(plan.codecs):
        for metric in plan.metrics:
            fig, ax = plt.subplots(figsize=(6.4, 4.4), dpi=100)
            for owner, chain, is_baseline in plan.lines(k):
                curve = curves[(owner.label, chain.display)]
                label = f"{owner.label} Original (baseline)" if is_baseline else chain.display
                style, width = ("k--o", None) if is_baseline else ("-o", 2.2 if chain.is_original else 1.5)
                ax.plot(curve["bpp"], curve[metric.label], style, markersize=4, label=label, linewidth=width)
            original = curves[(codec.label, "Original")]
            for quality, x, y in zip(original["quality"], original["bpp"], original[metric.label]):
                ax.annotate(f"q{quality}", (x, y), xytext=(3, -9), textcoords="offset points", fontsize=7, color="#444")
            ax.set_xlabel(RATE_AXIS)
            ax.set_ylabel(metric.axis)
            ax.set_title(f"{codec.label}: {metric.label} against rate, {results['images']['used']} images")
            ax.grid(True, alpha=0.3)
            ax.legend(fontsize=8)
            fig.tight_layout()
            name = f"rd-{k}-{slug(codec.label)}-{slug(metric.label)}.png"
            try:
                with atomic_output(folder / name) as tmp:
                    fig.savefig(
                        tmp, format="png", metadata={"Software": "kuchen bench", "Description": provenance_text}
                    )
            finally:
                plt.close(fig)
            made.append({"codec": codec.label, "metric": metric.label, "path": f"{PLOTS}/{name}"})
    return made


def rd_charts(plan: BenchPlan, results: dict[str, Any], rows: Sequence[dict[str, Any]]) -> dict[tuple[str, str], str]:
    """Inline SVG per (codec, metric): the mean curves and, hidden, every image's own curve; every
    point's hover title names the codec quality."""
    curves = {(c["codec"], c["pre"]): c for c in results["curves"]}
    colours = {chain.display: PALETTE[i % len(PALETTE)] for i, chain in enumerate(plan.chains)}
    used = results["images"]["used"]
    charts = {}
    for k, codec in enumerate(plan.codecs):
        for metric in plan.metrics:
            unit = f" {metric.unit}" if metric.unit else ""
            series = []
            for owner, chain, is_baseline in plan.lines(k):
                colour = "#000" if is_baseline else colours[chain.display]
                name = f"{owner.label} {chain.display}" + (" (baseline)" if is_baseline else "")
                curve = curves[(owner.label, chain.display)]
                mean = tuple(
                    Point(x, y, q, f"{name} q{q}: {x:.4f} bpp, {metric.label} {y:.3f}{unit} (mean of {used} images)")
                    for q, x, y in zip(curve["quality"], curve["bpp"], curve[metric.label])
                    if x is not None and y is not None
                )
                width = 2.4 if chain.is_original and not is_baseline else 1.6
                series.append(Series(name, mean, colour, dashed=is_baseline, width=width))
                for row in rows:
                    own = sorted(
                        (e for e in row["evaluations"] if (e["pre"], e["codec"]) == (chain.label, owner.label)),
                        key=lambda e: e["quality"],
                    )
                    points = tuple(
                        Point(
                            e["bpp"],
                            score,
                            e["quality"],
                            f"{row['image']}: {name} q{e['quality']}: {e['bpp']:.4f} bpp, {metric.label} {score:.3f}",
                        )
                        for e in own
                        if e["quality"] in owner.ladder and (score := e["scores"].get(metric.label)) is not None
                    )
                    series.append(
                        Series(f"{row['image']} {name}", points, colour, dashed=is_baseline, width=0.8, per_image=True)
                    )
            title = f"{codec.label}: {metric.label} against rate, {used} images"
            charts[(codec.label, metric.label)] = rd_chart(series, title, RATE_AXIS, metric.axis)
    return charts


# -- crops -----------------------------------------------------------------------------------


def detail_box(image: np.ndarray, size: int) -> tuple[int, int, int]:
    """(top, left, side) of the square window with the most gradient energy: where codecs struggle."""
    height, width = image.shape[:2]
    side = min(size, height, width)
    gray = image.astype(np.float64).mean(axis=2)
    energy = np.zeros_like(gray)
    energy[:, 1:] += np.abs(np.diff(gray, axis=1))
    energy[1:, :] += np.abs(np.diff(gray, axis=0))
    integral = np.pad(energy.cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    step = max(1, side // 4)
    tops = np.array(sorted({*range(0, height - side + 1, step), height - side}))[:, None]
    lefts = np.array(sorted({*range(0, width - side + 1, step), width - side}))[None, :]
    bottoms, rights = tops + side, lefts + side
    totals = integral[bottoms, rights] - integral[tops, rights] - integral[bottoms, lefts] + integral[tops, lefts]
    top, left = np.unravel_index(np.argmax(totals), totals.shape)  # the first best, row by row
    return int(tops[top, 0]), int(lefts[0, left]), side


def make_crops(
    plan: BenchPlan, rows: Sequence[dict[str, Any]], paths: dict[str, str], out: Path, count: int, size: int, seed: int
) -> list[dict[str, Any]]:
    """Crops of the same window: the uncompressed original, then every pre-processing through
    every codec at its reference quality, decoded from the file the task kept in the cache."""
    if count <= 0 or not rows:
        return []
    tools = toolkit(plan)
    cache = ContentCache(plan.cache_dir)
    folder = out / CROPS
    folder.mkdir(parents=True, exist_ok=True)
    made = []
    picked = range(len(rows)) if count >= len(rows) else sorted(random.Random(seed).sample(range(len(rows)), count))
    for i in picked:
        row = rows[i]
        image = load_image(paths[row["image"]])
        top, left, side = detail_box(image, size)

        def crop(pixels: np.ndarray, name: str) -> str:
            save_image(folder / name, np.ascontiguousarray(pixels[top : top + side, left : left + side]))
            return f"{CROPS}/{name}"

        stem = f"img{i:03d}"
        item: dict[str, Any] = {
            "image": row["image"],
            "box": [top, left, side],
            "original": crop(image, f"{stem}-input.png"),
            "codecs": [],
        }
        reference = {(e["pre"], e["codec"], e["quality"]): e for e in row["evaluations"]}
        for k, codec in enumerate(plan.codecs):
            panels = []
            for c, chain in enumerate(plan.chains):
                key = plan.record_key(row["sha256"], chain, k, codec.reference)
                data = stored_file(plan, key, k, cache.get(key))
                if data is None:  # missing or damaged since its task verified it: encode again
                    processed = image if chain.is_original else kept_pixels(plan, row["sha256"], chain)
                    if processed is None:
                        processed = apply_methods(image, tools.chains[c])
                    data = tools.codecs[k].encode(processed, codec.reference)
                decoded = tools.codecs[k].decode(data)
                entry = reference.get((chain.label, codec.label, codec.reference), {})
                panels.append(
                    {
                        "pre": chain.display,
                        "path": crop(decoded, f"{stem}-{k}-{c}.png"),
                        "bytes": entry.get("bytes"),
                        "scores": entry.get("scores", {}),
                    }
                )
            item["codecs"].append({"codec": codec.label, "quality": codec.reference, "panels": panels})
        made.append(item)
    return made


# -- HTML ------------------------------------------------------------------------------------

_CSS = """
body{font-family:system-ui,sans-serif;margin:2em;max-width:1400px;color:#222}
table{border-collapse:collapse;margin:0.6em 0 1.2em}th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}
th{background:#f3f3f3}td:first-child,td:nth-child(2){text-align:left}
.plots img{max-width:640px;margin:4px}.crops{display:flex;gap:8px;margin-bottom:1em;overflow-x:auto}
figure{margin:0}figcaption{font-size:12px;max-width:260px}.crops img{image-rendering:pixelated}
.note{font-size:13px;color:#555}pre{background:#f7f7f7;padding:1em;overflow-x:auto;font-size:12px}
.sign{font-size:13px;background:#f4f8ff;border-left:3px solid #4a7fd4;padding:4px 8px}
.per-image{display:none}.show-images:checked ~ .plots .per-image{display:inline}
svg.rd circle:hover{r:5}.plots a{font-size:12px;margin-right:1em}
"""


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def write_html(
    plan: BenchPlan,
    results: dict[str, Any],
    plots: Sequence[dict[str, str]],
    crops: Sequence[dict[str, Any]],
    meta: dict[str, Any],
    out: Path,
    rows: Sequence[dict[str, Any]] = (),
) -> Path:
    """The report; ``rows`` (the used per-image rows) give the per-image RD curves."""
    e = html.escape
    charts = rd_charts(plan, results, rows) if results["codecs"] else {}
    images = results["images"]
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Kuchen bench</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>Kuchen bench</h1>",
        f"<p>{images['used']} images used (image list SHA-256 <code>{e(meta['images_sha256'][:16])}…</code>), "
        f"seed {meta['seed']}, {meta['elapsed_s']:.1f} s on {e(meta['executor'])}.<br>"
        f"Command: <code>{e(meta['command'])}</code></p>",
        "<p class='note'>bpp = 8 × bytes of the real file / pixels, totalled over the images; quality is the mean "
        "over the images; full-reference metrics compare the decoded image with the original input. "
        "See docs/bench.md for how every number is computed.</p>",
    ]
    if images.get("failed"):
        parts.append(f"<p><b>Failed images (left out of every table):</b> {e(', '.join(images['failed']))}</p>")
    for codec in results["codecs"]:
        parts.append(f"<h2>{e(codec['codec'])}</h2>")
        for section in sections(plan, codec):
            parts.append(f"<h3>{e(section.title)}</h3>")
            if section.sign:
                parts.append(f"<p class='sign'>{e(section.sign)}</p>")
            parts.append(_table(section.headers, section.rows))
            parts.extend(f"<p class='note'>[{i}] {e(n)}</p>" for i, n in enumerate(section.footnotes, 1))
            if section.after:
                parts.append(f"<p class='note'>{e(section.after)}</p>")
        toggle = f"images-{slug(codec['codec'])}"
        parts.append(
            f"<div><input type='checkbox' class='show-images' id='{e(toggle)}'> <label for='{e(toggle)}'>"
            "show each image's curve</label> <span class='note'>(hover a point for its codec quality)</span>"
            "<div class='plots'>"
            + "".join(charts.get((codec["codec"], m.label), "") for m in plan.metrics)
            + "<br>"
            + "".join(
                f"<a href='{e(p['path'])}'>PNG: {e(p['metric'])}</a>" for p in plots if p["codec"] == codec["codec"]
            )
            + "</div></div>"
        )
    if crops:
        parts.append("<h2>Crops at each codec's reference quality</h2>")
        for item in crops:
            side = item["box"][2]
            shown = side * max(1, 256 // side)  # an integer zoom keeps the codec's blocks sharp
            parts.append(
                f"<h3>{e(item['image'])} <span class='note'>(window at y={item['box'][0]}, "
                f"x={item['box'][1]}, {side}×{side}, shown at {shown} px)</span></h3>"
            )
            for codec in item["codecs"]:
                figures = [
                    f"<figure><img src='{e(item['original'])}' width='{shown}' height='{shown}' "
                    f"alt='input'><figcaption>input (uncompressed)</figcaption></figure>"
                ]
                for panel in codec["panels"]:
                    scores = ", ".join(f"{k} {v:.2f}" for k, v in panel["scores"].items())
                    size = f"{panel['bytes']:,} B" if panel["bytes"] is not None else ""
                    figures.append(
                        f"<figure><img src='{e(panel['path'])}' width='{shown}' height='{shown}' "
                        f"alt='{e(panel['pre'])} {e(codec['codec'])}'><figcaption><b>{e(panel['pre'])}</b> + "
                        f"{e(codec['codec'])} q{codec['quality']}<br>{e(size)} {e(scores)}</figcaption></figure>"
                    )
                parts.append("<div class='crops'>" + "".join(figures) + "</div>")
    parts.append(
        "<h2>Provenance</h2><pre>"
        + e(json.dumps(meta["provenance"], indent=2, ensure_ascii=False))
        + "</pre></body></html>"
    )
    return write_atomic(out / "report.html", "\n".join(parts))
