"""The bench's tables as Markdown (printed at the end, written to ``tables.md``, pasted into docs)
and as the rows the HTML report renders."""

from __future__ import annotations

from typing import Any, Sequence

import attrs

from .bdrate import MIN_OVERLAP
from .plan import BenchPlan


BD_SIGN_NOTE = (
    "BD-rate: the average change in bits for the same quality against the Original; negative is "
    "better (fewer bits), positive means more bits. Curves that share less than half their quality "
    "range give n/a."
)
NO_REFERENCE_NOTE = (
    "(no-reference): the search assumes the score improves with quality, which a no-reference "
    "score need not do, and a pre-processing may meet the target at every quality; read these "
    "rows with the full-reference ones."
)


def pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:+.1f} %"


def num(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def table1(plan: BenchPlan, codec: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    headers = [
        "codec",
        "pre-processing",
        "quality",
        "total bytes",
        "bpp",
        "size vs baseline",
        "CR improvement",
        *(f"{m.label} {'↑' if m.higher_is_better else '↓'}" for m in plan.metrics),
        "encode ms/MP",
        "decode ms/MP",
    ]
    rows = [
        [
            row["codec"],
            row["pre"] + (" (baseline)" if row["baseline"] else ""),
            str(row["quality"]),
            f"{row['bytes']:,}",
            num(row["bpp"], 4),
            pct(row["size_change"]),
            pct(row["cr_improvement"]),
            *(num(row["metrics"][m.label], 3) for m in plan.metrics),
            num(row.get("encoding_time"), 1),
            num(row.get("decoding_time"), 1),
        ]
        for row in codec["table1"]
    ]
    return headers, rows


def bd_table(plan: BenchPlan, codec: dict[str, Any]) -> tuple[list[str], list[list[str]], list[str]]:
    headers = ["pre-processing", "against", *(f"BD-rate ({m.label})" for m in plan.metrics)]
    rows, notes = [], []
    for row in codec["bd_rate"]:
        cells = []
        for m in plan.metrics:
            result = row["metrics"][m.label]
            if result["value"] is not None:
                cell = f"{result['value']:+.2f} %"
            elif 0 < result["overlap"] < MIN_OVERLAP:
                cell = f"n/a (overlap {result['overlap'] * 100:.0f} %)"
            else:
                cell = "n/a"
            if result["note"] and not cell.startswith("n/a ("):  # the cell does not say it already
                notes.append(f"{row['pre']} / {m.label}: {result['note']}")
                cell += f" [{len(notes)}]"
            cells.append(cell)
        rows.append([f"{row['pre']} + {row['codec']}", row["anchor"], *cells])
    return headers, rows, notes


def matched_table(plan: BenchPlan, codec: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    headers = [
        "pre-processing",
        "metric",
        "target",
        "reached",
        "unreachable",
        "size change (total)",
        "mean per-image size change",
        "median quality",
    ]
    target = next(c.reference for c in plan.codecs if c.label == codec["baseline"])
    rows = []
    for row in codec["matched"]:
        for m in plan.metrics:
            result = row["metrics"][m.label]
            rows.append(
                [
                    f"{row['pre']} + {row['codec']}",
                    m.label if m.needs_reference else f"{m.label} (no-reference)",
                    f"{codec['baseline']} Original q{target}",
                    f"{result['reached']}/{result['images']}",
                    str(result["unreachable"]),
                    size_change(result["saving_total"]),
                    size_change(result["saving_mean"]),
                    "n/a" if result["quality_median"] is None else f"{result['quality_median']:g}",
                ]
            )
    return headers, rows


def size_change(saving: float | None) -> str:
    """A saving of 0.12 reads '-12.0 %' and one of -1.94 (files 2.94 times as big) '+194.0 % (×2.94)':
    a signed change in size, never a negative saving."""
    if saving is None:
        return "n/a"
    return pct(0.0 - saving) + (f" (×{1 - saving:.2f})" if saving <= -1 else "")  # 0.0 - 0.0 reads +0.0, not -0.0


def post_table(plan: BenchPlan, codec: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    headers = ["quality", "bpp"]
    for m in plan.metrics:
        headers.append(f"{m.label} without")
        headers.extend(f"{m.label} + {p.label}" for p in plan.posts)
    rows = []
    for row in codec["post"]:
        cells = [str(row["quality"]), num(row["bpp"], 4)]
        for m in plan.metrics:
            cells.append(num(row["without"][m.label], 3))
            cells.extend(num(row["with"][p.label][m.label], 3) for p in plan.posts)
        rows.append(cells)
    return headers, rows


@attrs.frozen
class Section:
    """One table of a codec's results as both reports show it: ``title`` heads it in HTML, ``lead``
    introduces it in Markdown; ``sign`` is read before the table (HTML sets it apart), ``footnotes``
    are the table's numbered notes and ``after`` a note below them."""

    title: str
    lead: str
    headers: Sequence[str]
    rows: Sequence[Sequence[str]]
    sign: str = ""
    footnotes: Sequence[str] = ()
    after: str = ""


def sections(plan: BenchPlan, codec: dict[str, Any]) -> list[Section]:
    """The tables of one codec, in report order; a table without rows is left out."""
    quality, baseline = codec["reference_quality"], codec["baseline"]
    found = [
        Section(
            f"Table 1: quality {quality}, against {baseline} Original",
            f"### {codec['codec']} — Table 1 at quality {quality} (baseline: {baseline} Original)",
            *table1(plan, codec),
        )
    ]
    headers, rows, notes = bd_table(plan, codec)
    if rows:
        title = f"BD-rate over qualities {', '.join(map(str, codec['ladder']))}"
        found.append(Section(title, f"{title}. {BD_SIGN_NOTE}", headers, rows, BD_SIGN_NOTE, notes))
    if codec["matched"]:
        no_reference = any(not m.needs_reference for m in plan.metrics)
        found.append(
            Section(
                "File size at matched quality",
                "Matched quality (per image, the cheapest quality reaching the baseline's score; "
                "size change against the baseline's file, negative = smaller):",
                *matched_table(plan, codec),
                after=NO_REFERENCE_NOTE if no_reference else "",
            )
        )
    if codec["post"]:
        found.append(
            Section("Post-processing", "Post-processing (on the Original's decoded image):", *post_table(plan, codec))
        )
    return found


def markdown(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    return [
        "| " + " | ".join(headers) + " |",
        "|" + "|".join("---" for _ in headers) + "|",
        *("| " + " | ".join(row) + " |" for row in rows),
    ]


def all_tables(plan: BenchPlan, results: dict[str, Any]) -> list[str]:
    """Every table, in Markdown, with a heading per codec."""
    images = results["images"]
    lines = [
        f"Images: {images['used']} used"
        + (f", {len(images['failed'])} failed ({', '.join(images['failed'])})" if images["failed"] else "")
    ]
    for codec in results["codecs"]:
        for section in sections(plan, codec):
            lines += ["", section.lead, "", *markdown(section.headers, section.rows)]
            lines += [f"[{i}] {note}" for i, note in enumerate(section.footnotes, 1)]
            lines += ["", section.after] if section.after else []
    return lines
