"""What the bench report tells a codec engineer: which BD-rate sign is better, BD-rates over too
little overlap as n/a, growth as a size change, and encode/decode speed in every output."""

import json
from types import SimpleNamespace

import pytest

from kuchen_core.bench import bd_rate
from kuchen_core.bench.svgplot import Point, Series, nice_ticks, rd_chart
from kuchen_core.bench.tables import NO_REFERENCE_NOTE, all_tables, bd_table, sections, size_change

from test_bench import bench_run, read  # noqa: F401  (the module-scoped end-to-end bench)

RATES = [0.25, 0.5, 1.0, 2.0, 4.0]
PSNR = [28.0, 31.0, 34.0, 37.5, 41.0]


def test_bd_rate_over_less_than_half_the_quality_range_is_not_a_number():
    shifted = [p + 5.0 for p in PSNR]  # 33..46 against 28..41: they share 8 of 18 dB, 44 %
    result = bd_rate(RATES, PSNR, RATES, shifted)
    assert result.value is None and result.overlap == pytest.approx(8 / 18)
    assert "overlap on 44% of their quality range" in result.note
    assert bd_rate(RATES, PSNR, RATES, [p + 3.0 for p in PSNR]).value is not None  # 10 of 16 dB: a number


def test_bd_table_prints_the_overlap_in_the_cell_instead_of_a_footnote():
    plan = SimpleNamespace(metrics=[SimpleNamespace(label="psnr")])
    codec = {
        "bd_rate": [
            {
                "pre": "a",
                "codec": "jpeg",
                "anchor": "jpeg Original",
                "metrics": {"psnr": {"value": None, "overlap": 0.31, "note": "the curves overlap on 31% ..."}},
            },
            {
                "pre": "b",
                "codec": "jpeg",
                "anchor": "jpeg Original",
                "metrics": {"psnr": {"value": -4.256, "overlap": 0.9, "note": None}},
            },
            {
                "pre": "c",
                "codec": "jpeg",
                "anchor": "jpeg Original",
                "metrics": {"psnr": {"value": None, "overlap": 0.0, "note": "the curves do not overlap in quality"}},
            },
        ]
    }
    _, rows, notes = bd_table(plan, codec)
    assert [row[2] for row in rows] == ["n/a (overlap 31 %)", "-4.26 %", "n/a [1]"]
    assert notes == ["c / psnr: the curves do not overlap in quality"]


def test_both_reports_read_the_same_sections_with_their_notes():
    metric = SimpleNamespace(label="niqe", higher_is_better=False, needs_reference=False)
    plan = SimpleNamespace(metrics=[metric], codecs=[SimpleNamespace(label="jpeg", reference=50)])
    no_overlap = {"value": None, "overlap": 0.0, "note": "the curves do not overlap in quality"}
    matched = {"reached": 1, "images": 2, "unreachable": 1, "saving_total": 0.1, "saving_mean": 0.1}
    codec = {
        "codec": "jpeg",
        "baseline": "jpeg",
        "reference_quality": 50,
        "ladder": [30, 50, 70],
        "table1": [],
        "bd_rate": [{"pre": "a", "codec": "jpeg", "anchor": "jpeg Original", "metrics": {"niqe": no_overlap}}],
        "matched": [{"pre": "a", "codec": "jpeg", "metrics": {"niqe": {**matched, "quality_median": 40}}}],
        "post": [],
    }
    found = sections(plan, codec)
    assert [s.title for s in found] == [
        "Table 1: quality 50, against jpeg Original",
        "BD-rate over qualities 30, 50, 70",
        "File size at matched quality",
    ]
    assert found[1].footnotes == ["a / niqe: the curves do not overlap in quality"] and found[2].after
    lines = all_tables(plan, {"images": {"used": 2, "failed": []}, "codecs": [codec]})
    assert lines[lines.index("[1] a / niqe: the curves do not overlap in quality") - 1].startswith("| a + jpeg |")
    assert lines[-2:] == ["", NO_REFERENCE_NOTE] and "| a + jpeg | niqe (no-reference) |" in "\n".join(lines)


@pytest.mark.parametrize(
    "saving, text", [(0.12, "-12.0 %"), (0.0, "+0.0 %"), (-0.5, "+50.0 %"), (-1.94, "+194.0 % (×2.94)"), (None, "n/a")]
)
def test_matched_quality_growth_reads_as_a_size_change(saving, text):
    assert size_change(saving) == text


def test_nice_ticks_cover_the_range_with_round_steps():
    assert nice_ticks(0.23, 1.9) == [0.5, 1.0, 1.5]
    assert nice_ticks(27.3, 41.2) == [30, 35, 40]
    assert nice_ticks(5, 5) == [4.6, 4.8, 5.0, 5.2, 5.4]  # one value: a unit range around it


def test_svg_points_carry_their_quality_and_per_image_curves_are_marked():
    mean = Series(
        "jpeg Original", (Point(0.5, 30.0, 25, "jpeg Original q25: 0.5 bpp"), Point(1.0, 34.0, 50, "q50")), "#000"
    )
    one = Series("img1", (Point(0.6, 29.0, 25, "img1 q25"),), "#000", per_image=True)
    svg = rd_chart([mean, one], "t", "rate (bpp)", "psnr (dB, higher is better)")
    assert "<title>jpeg Original q25: 0.5 bpp</title>" in svg and "data-quality='50'" in svg
    assert svg.count("class='per-image'") == 2  # the image's curve and the legend's note about it
    assert "psnr (dB, higher is better)" in svg and "rate (bpp)" in svg


def test_encode_and_decode_speed_reach_every_output(bench_run):  # noqa: F811
    root, _ = bench_run
    summary, rows = read(root)
    entries = [e for row in rows for e in row["evaluations"]]
    assert entries and all(e["encode_ms_per_mp"] > 0 and e["decode_ms_per_mp"] > 0 for e in entries)
    results = summary["results"]
    assert results["time_unit"] == "ms per megapixel, median over the images"
    for codec in results["codecs"]:
        assert all(row["encoding_time"] > 0 and row["decoding_time"] > 0 for row in codec["table1"])
    curve = json.loads((root / "out" / "curves" / "tpjpeg__tdim.json").read_text())["results"]
    assert len(curve["encoding_time"]) == len(curve["decoding_time"]) == len(curve["quality"]) == 4
    assert all(t > 0 for t in curve["encoding_time"] + curve["decoding_time"])
    # the median over the images of the per-image figures, as the rows record them
    per_image = sorted(
        e["encode_ms_per_mp"]
        for e in entries
        if (e["pre"], e["codec"], e["quality"]) == ("tdim", "tpjpeg", curve["quality"][0])
    )
    assert curve["encoding_time"][0] == pytest.approx(per_image[len(per_image) // 2])
    tables = (root / "out" / "tables.md").read_text()
    assert "| encode ms/MP | decode ms/MP |" in tables and tables.count("negative is better (fewer bits)") == 2
    assert "size change (total)" in tables and "saving" not in tables.lower()
