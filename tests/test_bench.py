"""``kuchen bench``: BD-rate against known values, the matched-quality search on a monotone
codec, settings and their errors, and a small end-to-end run with in-process plugins whose
outputs are checked against the codec's real bytes — including the HTML report in headless
Chromium with every image loaded."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from kuchen_core import Codec, CodecInfo, Method, MethodInfo, Metric, MetricInfo, Param, hookimpl, load_image
from kuchen_core.bench import BenchConfigError, bd_rate, build_plan, lowest_passing, make_config, meets, split_chain
from kuchen_core.bench.config import load_toml, parse_list_options, parse_quality_options, split_keyed
from kuchen_core.bench.inputs import discover, list_hash
from kuchen_core.bench.report import detail_box
from kuchen_core.cli import cli
from kuchen_core.runtime.cache import ContentCache
from kuchen_core.testing import sample_photo


# -- in-process plugins ----------------------------------------------------------------------


class GrayCodec(Codec):
    """Lossy and monotone by construction: quality q blends every pixel towards grey by (20 − q)/20,
    so each pixel's error can only shrink as q rises. The file is a real PNG (plus a header)."""

    info = CodecInfo(name="tgray", description="blend towards grey (tests)", extension=".tgray", quality_range=(0, 20))

    def encode(self, image: np.ndarray, quality: int) -> bytes:
        weight = quality / 20
        blended = np.rint(128 + weight * (image.astype(np.float64) - 128)).astype(np.uint8)
        buffer = io.BytesIO()
        Image.fromarray(blended).save(buffer, format="PNG")
        return b"TGRY" + buffer.getvalue()

    def decode(self, data: bytes) -> np.ndarray:
        assert data[:4] == b"TGRY"
        return np.asarray(Image.open(io.BytesIO(data[4:])).convert("RGB")).copy()

    def library_versions(self) -> dict[str, str]:
        import PIL

        return {"pillow": PIL.__version__}


class PillowJpeg(Codec):
    info = CodecInfo(name="tpjpeg", description="Pillow JPEG (tests)", extension=".jpg", quality_range=(1, 100))

    def encode(self, image: np.ndarray, quality: int) -> bytes:
        buffer = io.BytesIO()
        Image.fromarray(image).save(buffer, format="JPEG", quality=quality)
        return buffer.getvalue()

    def decode(self, data: bytes) -> np.ndarray:
        return np.asarray(Image.open(io.BytesIO(data)).convert("RGB")).copy()


class Copy(Method):
    info = MethodInfo(name="tcopy", description="identity (tests)")

    def apply(self, image: np.ndarray) -> np.ndarray:
        return image.copy()


class Dim(Method):
    info = MethodInfo(name="tdim", description="cut the contrast to 40 % (tests)", params=[Param("gain", 0.4)])

    def apply(self, image: np.ndarray) -> np.ndarray:
        return np.rint(128 + self.params["gain"] * (image.astype(np.float64) - 128)).astype(np.uint8)


class Smooth(Method):
    info = MethodInfo(name="tsmooth", description="3x3 box blur (tests)")

    def apply(self, image: np.ndarray) -> np.ndarray:
        padded = np.pad(image.astype(np.float64), ((1, 1), (1, 1), (0, 0)), mode="edge")
        out = sum(padded[dy : dy + image.shape[0], dx : dx + image.shape[1]] for dy in range(3) for dx in range(3)) / 9
        return np.rint(out).astype(np.uint8)


class Mae(Metric):
    info = MetricInfo(
        name="tmae",
        description="mean absolute error (tests)",
        needs_reference=True,
        higher_is_better=False,
        range=(0, 255),
    )

    def score(self, distorted: np.ndarray, reference: np.ndarray | None = None) -> float:
        reference = self.require_reference(distorted, reference)
        return float(np.abs(distorted.astype(np.float64) - reference).mean())


class Psnr(Metric):
    info = MetricInfo(
        name="tpsnr2", description="PSNR (tests)", needs_reference=True, higher_is_better=True, range=(0, 100)
    )

    def score(self, distorted: np.ndarray, reference: np.ndarray | None = None) -> float:
        reference = self.require_reference(distorted, reference)
        mse = float(np.mean((distorted.astype(np.float64) - reference) ** 2))
        return 100.0 if mse == 0 else min(100.0, 10 * np.log10(255.0**2 / mse))


class Plugins:
    @hookimpl
    def register_codecs(self, register):
        register(GrayCodec)
        register(PillowJpeg)

    @hookimpl
    def register_methods(self, register):
        for cls in (Copy, Dim, Smooth):
            register(cls)

    @hookimpl
    def register_metrics(self, register):
        register(Mae)
        register(Psnr)


def make_images(folder: Path, count: int = 3, size: tuple[int, int] = (40, 52)) -> list[Path]:
    photo = sample_photo()
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        top, left = 13 * i, 17 * i
        path = folder / f"img{i}.png"
        Image.fromarray(photo[top : top + size[0], left : left + size[1]]).save(path)
        paths.append(path)
    return paths


# -- BD-rate ---------------------------------------------------------------------------------

RATES = [0.25, 0.5, 1.0, 2.0, 4.0]
PSNR = [28.0, 31.0, 34.0, 37.5, 41.0]


@pytest.mark.parametrize("method", ["akima", "pchip", "cubic"])
def test_bd_rate_of_identical_curves_is_zero(method):
    assert bd_rate(RATES, PSNR, RATES, PSNR, method=method).value == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize("method", ["akima", "pchip", "cubic"])
def test_bd_rate_of_a_curve_at_half_the_rate_is_minus_fifty_percent(method):
    half = [r / 2 for r in RATES]
    assert bd_rate(RATES, PSNR, half, PSNR, method=method).value == pytest.approx(-50.0, abs=1e-6)
    assert bd_rate(half, PSNR, RATES, PSNR, method=method).value == pytest.approx(100.0, abs=1e-6)


def test_bd_rate_of_a_lower_is_better_metric_keeps_its_sign():
    """Butteraugli-like scores fall as the rate rises: the test curve at half the rate still saves 50 %,
    and a curve needing more bits for the same score is positive."""
    distance = [6.0, 4.5, 3.0, 2.0, 1.2]
    half = [r / 2 for r in RATES]
    assert bd_rate(RATES, distance, half, distance, higher_is_better=False).value == pytest.approx(-50.0)
    assert bd_rate(RATES, distance, [r * 1.5 for r in RATES], distance, higher_is_better=False).value == pytest.approx(
        50.0
    )


def test_bd_rate_matches_a_hand_computed_cubic_fit():
    """The cubic method is Bjøntegaard's original: fit log10(rate) as a cubic in quality and
    average the difference of the integrals over the common quality interval."""
    test_rates = [0.3, 0.55, 0.95, 1.7, 3.1]
    test_psnr = [28.5, 31.2, 33.9, 37.0, 40.2]
    fa, ft = np.polyfit(PSNR, np.log10(RATES), 3), np.polyfit(test_psnr, np.log10(test_rates), 3)
    low, high = max(PSNR[0], test_psnr[0]), min(PSNR[-1], test_psnr[-1])
    ia, it = np.polyint(fa), np.polyint(ft)
    mean = ((np.polyval(it, high) - np.polyval(it, low)) - (np.polyval(ia, high) - np.polyval(ia, low))) / (high - low)
    expected = (10**mean - 1) * 100
    assert bd_rate(RATES, PSNR, test_rates, test_psnr, method="cubic").value == pytest.approx(expected, rel=1e-9)


def test_bd_rate_without_overlap_or_points_has_no_value_and_says_why():
    result = bd_rate(RATES, PSNR, RATES, [p + 50 for p in PSNR])
    assert result.value is None and "overlap" in result.note
    result = bd_rate(RATES[:3], PSNR[:3], RATES[:3], PSNR[:3], method="cubic")
    assert result.value is None and "4" in result.note
    noisy = bd_rate(RATES, [28.0, 31.0, 30.0, 37.5, 41.0], RATES, PSNR)
    assert noisy.value is not None and "monotone" in noisy.note


# -- matched-quality search ------------------------------------------------------------------


@pytest.mark.parametrize("threshold", [-1, 0, 1, 37, 50, 99, 100, 101])
def test_lowest_passing_finds_the_first_quality_of_a_monotone_scale(threshold):
    scale = list(range(0, 101))
    calls = []

    def passes(q):
        calls.append(q)
        return q >= threshold

    expected = next((q for q in scale if q >= threshold), None)
    assert lowest_passing(scale, passes) == expected
    assert len(calls) <= 8  # binary search: ⌈log2 101⌉ + the check of the best quality
    known = {q: q >= threshold for q in (25, 50, 75)}
    calls.clear()
    assert lowest_passing(scale, passes, known) == expected
    assert len(calls) <= 6 and all(q not in known for q in calls[1:])


def test_lowest_passing_on_a_reversed_scale():
    """Codecs whose quality falls as the number rises (a QP) are searched from the worst end too."""
    scale = list(range(51, -1, -1))  # QP 51 (worst) … 0 (best)
    assert lowest_passing(scale, lambda qp: qp <= 30) == 30
    assert lowest_passing(scale, lambda qp: False) is None


def test_meets_respects_direction():
    assert meets(30.0, 30.0, True) and meets(31.0, 30.0, True) and not meets(29.9, 30.0, True)
    assert meets(2.0, 2.0, False) and meets(1.5, 2.0, False) and not meets(2.1, 2.0, False)


# -- settings --------------------------------------------------------------------------------


def test_chains_and_keyed_values_parse():
    assert split_chain("none") == [] and split_chain("NONE") == []
    assert split_chain("nlmeans(h=5)+detail") == ["nlmeans(h=5)", "detail"]
    assert split_chain("a(x=1+2)+b") == ["a(x=1+2)", "b"]
    with pytest.raises(BenchConfigError, match="empty method"):
        split_chain("a++b")
    assert split_keyed("50") == ("*", "50")
    assert split_keyed("jpeg(subsampling=4:4:4)=50") == ("jpeg(subsampling=4:4:4)", "50")
    assert parse_quality_options(("40", "webp=60,hevc=30"), "--quality") == {"*": 40, "webp": 60, "hevc": 30}
    assert parse_list_options(("hevc=10,20,30",), "--ladder") == {"hevc": (10, 20, 30)}
    with pytest.raises(BenchConfigError, match="twice"):
        parse_list_options(("10,10",), "--ladder")


def test_plan_defaults_scale_to_the_codecs_range(kuchen_register, tmp_path):
    kuchen_register(Plugins())
    plan = build_plan(
        make_config(
            images=("x",),
            out=str(tmp_path),
            codecs=("tgray", "tpjpeg"),
            metrics=("tmae",),
            pre=("tcopy",),
            post=("tsmooth",),
        )
    )
    gray, jpeg = plan.codecs
    assert (gray.reference, gray.ladder, gray.post_qualities) == (10, (5, 7, 10, 13, 16, 18), (2, 4, 6, 8))
    assert (jpeg.reference, jpeg.ladder, jpeg.post_qualities) == (50, (25, 35, 50, 65, 80, 90), (10, 20, 30, 40))
    assert gray.scale == tuple(range(21)) and gray.baseline == 0 and jpeg.baseline == 1
    assert [c.label for c in plan.chains] == ["none", "tcopy"]  # the Original is always there, first


def test_config_file_and_options_merge(kuchen_register, tmp_path):
    kuchen_register(Plugins())
    path = tmp_path / "bench.toml"
    path.write_text(
        'images = "in/"\nout = "o"\ncodecs = ["tgray", "tpjpeg"]\npre = ["none", "tcopy+tdim"]\n'
        'metrics = "tmae"\nseed = 7\nladder = [4, 8, 12]\n[quality]\ntpjpeg = 70\n[baseline]\ntpjpeg = "tgray"\n'
    )
    config = make_config(load_toml(path), quality={"tgray": 12}, seed=None)
    assert config.seed == 7 and config.quality == {"tpjpeg": 70, "tgray": 12}
    plan = build_plan(config)
    assert plan.codecs[0].ladder == (4, 8, 12) and plan.codecs[1].reference == 70 and plan.codecs[1].baseline == 0
    assert [len(c.methods) for c in plan.chains] == [0, 2]
    narrowed = make_config(load_toml(path), codecs=("tgray",))  # the file's tpjpeg settings no longer apply
    assert narrowed.quality == {} and narrowed.baseline == {} and narrowed.ladder == {"*": (4, 8, 12)}
    assert [c.label for c in build_plan(narrowed).codecs] == ["tgray"]
    with pytest.raises(BenchConfigError, match="tpjpeg, which is not among the codecs"):
        build_plan(make_config(load_toml(path), codecs=("tgray",), quality={"tpjpeg": 70}))
    path.write_text('images = "in/"\nout = "o"\ncodecs = ["tgray"]\nmetrics = ["tmae"]\nqualty = 3\n')
    with pytest.raises(BenchConfigError, match="unknown key.*qualty"):
        load_toml(path)


@pytest.mark.parametrize(
    "options, message",
    [
        (dict(codecs=("tgrey",)), "Did you mean: tgray"),
        (dict(pre=("tcopy+nope",)), "Unknown method 'nope'"),
        (dict(metrics=()), "no metrics"),
        (dict(quality={"tgray": 25}), "quality must be an integer in 0..20"),
        (dict(ladder={"tgray": (5,)}), "at least 2"),
        (dict(quality={"webp": 50}), "webp, which is not among the codecs"),
        (dict(baseline={"*": "tpjpeg"}), "not among the codecs"),
        (dict(pre=("tcopy", "tcopy")), "twice"),
        (dict(post=("none",)), "post-filters only"),
        (dict(crops=-1), "--crops must be at least 0, got -1"),
        (dict(images=()), "no images"),
    ],
)
def test_bad_settings_are_clear_errors(kuchen_register, tmp_path, options, message):
    kuchen_register(Plugins())
    settings = dict(images=("x",), out=str(tmp_path), codecs=("tgray",), metrics=("tmae",)) | options
    with pytest.raises(BenchConfigError, match=message):
        build_plan(make_config(**settings))


def test_images_come_from_folders_globs_and_lists(tmp_path):
    paths = make_images(tmp_path / "in", 3)
    (tmp_path / "list.txt").write_text("# two of them\nin/img2.png\nin/img0.png\n")
    assert [i.name for i in discover([str(tmp_path / "list.txt")])] == [
        str(tmp_path / "in/img2.png"),
        str(tmp_path / "in/img0.png"),
    ]
    found = discover([str(tmp_path / "in" / "img1.png"), str(tmp_path / "in")])
    assert [Path(i.path).name for i in found] == ["img1.png", "img0.png", "img2.png"]  # in order, each once
    assert len(discover([str(tmp_path / "in" / "*.png")], limit=2)) == 2
    with pytest.raises(BenchConfigError, match="no such file"):
        discover([str(tmp_path / "missing")])
    (tmp_path / "bad.txt").write_text("in/nothere.png\n")
    with pytest.raises(BenchConfigError, match="does not exist"):
        discover([str(tmp_path / "bad.txt")])
    assert len(paths) == 3


def test_detail_box_finds_the_textured_corner():
    image = np.full((60, 80, 3), 120, np.uint8)
    image[36:, 50:] = np.random.default_rng(0).integers(0, 255, (24, 30, 3))
    top, left, side = detail_box(image, 24)
    assert side == 24 and top >= 30 and left >= 44


# -- end to end ------------------------------------------------------------------------------


def bench_args(root: Path) -> list[str]:
    """The small bench of ``bench_run``: its second run must find everything in the cache."""
    options = "--codecs tgray,tpjpeg --pre none,tcopy,tdim --metrics tmae,tpsnr2 --post tsmooth --baseline tpjpeg=tgray"
    options += " --ladder tpjpeg=20,40,60,80 --jobs 1 --quiet --seed 3 --crops 2"
    return ["bench", "-i", str(root / "in"), "--out", str(root / "out"), *options.split()]


@pytest.fixture(scope="module")
def bench_run(tmp_path_factory):
    """One small bench with in-process plugins: two codecs (tpjpeg compared with tgray's Original),
    the Original, an identity method and a contrast-cutting one, two metrics, one post-filter."""
    from kuchen_core.testing import registered

    root = tmp_path_factory.mktemp("bench")
    make_images(root / "in", 3)
    with registered(Plugins()):
        result = CliRunner().invoke(
            cli,
            bench_args(root),
            catch_exceptions=False,
        )
    return root, result


def read(root: Path) -> tuple[dict, list[dict]]:
    summary = json.loads((root / "out" / "summary.json").read_text())
    rows = [json.loads(line) for line in (root / "out" / "results.jsonl").read_text().splitlines()]
    return summary, rows


def test_bench_prints_the_tables_and_the_report_path(bench_run):
    root, result = bench_run
    assert result.exit_code == 0, result.output
    assert "### tgray — Table 1 at quality 10" in result.output
    assert "### tpjpeg — Table 1 at quality 50 (baseline: tgray Original)" in result.output
    assert f"HTML report: {root / 'out' / 'report.html'}" in result.output
    assert (root / "out" / "tables.md").read_text().strip() in result.output


def test_per_image_rows_hold_the_codecs_real_bytes(bench_run):
    root, _ = bench_run
    summary, rows = read(root)
    assert [row["image"] for row in rows] == [str(root / "in" / f"img{i}.png") for i in range(3)]
    for row in rows:
        image = load_image(row["image"])
        assert row["sha256"] == hashlib.sha256(Path(row["image"]).read_bytes()).hexdigest()
        assert row["run"]["provenance_sha256"] == summary["provenance"]["sha256"] and not row["errors"]
        entries = {(e["pre"], e["codec"], e["quality"]): e for e in row["evaluations"]}
        dimmed = Dim().apply(image)
        for quality in (5, 10, 18):
            data = GrayCodec().encode(dimmed, quality)
            entry = entries[("tdim", "tgray", quality)]
            assert entry["bytes"] == len(data) and entry["bpp"] == pytest.approx(8 * len(data) / image[..., 0].size)
            assert entry["scores"]["tmae"] == pytest.approx(Mae().score(GrayCodec().decode(data), image))
        assert (
            entries[("none", "tpjpeg", 50)]["roles"] == ["ladder", "reference"]
            or "reference" in entries[("none", "tpjpeg", 50)]["roles"]
        )


def test_table1_totals_and_ratios(bench_run):
    root, _ = bench_run
    summary, rows = read(root)
    gray, jpeg = summary["results"]["codecs"]
    total = sum(
        next(e["bytes"] for e in r["evaluations"] if (e["pre"], e["codec"], e["quality"]) == ("tdim", "tgray", 10))
        for r in rows
    )
    original = sum(
        next(e["bytes"] for e in r["evaluations"] if (e["pre"], e["codec"], e["quality"]) == ("none", "tgray", 10))
        for r in rows
    )
    table = {row["pre"]: row for row in gray["table1"]}
    assert table["tdim"]["bytes"] == total and table["Original"]["bytes"] == original and table["Original"]["baseline"]
    assert table["tdim"]["cr_improvement"] == pytest.approx(original / total - 1)
    assert table["tdim"]["size_change"] == pytest.approx(total / original - 1)
    assert table["tcopy"]["bytes"] == original  # the identity changes nothing
    assert table["tdim"]["metrics"]["tmae"] > table["Original"]["metrics"]["tmae"]  # dimming is visible as such
    # tpjpeg is compared with tgray's Original: its table starts with that baseline row
    assert [(r["codec"], r["pre"], r["baseline"]) for r in jpeg["table1"]][:2] == [
        ("tgray", "Original", True),
        ("tpjpeg", "Original", False),
    ]
    assert jpeg["table1"][0]["bytes"] == original


def test_bd_rates(bench_run):
    root, _ = bench_run
    gray, jpeg = read(root)[0]["results"]["codecs"]
    rates = {row["pre"]: row["metrics"] for row in gray["bd_rate"]}
    assert set(rates) == {"tcopy", "tdim"}  # not the Original against itself
    assert rates["tcopy"]["tmae"]["value"] == pytest.approx(0.0, abs=1e-9)
    assert rates["tcopy"]["tpsnr2"]["value"] == pytest.approx(0.0, abs=1e-9)
    # against another codec's Original, the Original is a row too
    assert {row["pre"] for row in jpeg["bd_rate"]} == {"Original", "tcopy", "tdim"}
    assert all(row["anchor"] == "tgray Original" for row in jpeg["bd_rate"])


def test_matched_quality(bench_run):
    root, _ = bench_run
    summary, rows = read(root)
    gray = summary["results"]["codecs"][0]
    matched = {row["pre"]: row["metrics"] for row in gray["matched"]}
    # the identity reaches the Original's score at or below the reference quality: never a bigger file
    assert matched["tcopy"]["tmae"]["reached"] == 3 and matched["tcopy"]["tmae"]["saving_total"] >= 0
    # 40 % of the contrast can never get back to the Original's error: counted, listed, not dropped
    assert matched["tdim"]["tmae"]["unreachable"] == 3 and matched["tdim"]["tmae"]["reached"] == 0
    assert matched["tdim"]["tmae"]["unreachable_images"] == [row["image"] for row in rows]
    # each per-image answer is the first quality of a brute-force scan that reaches the target
    for row in rows:
        image = load_image(row["image"])
        target = Mae().score(GrayCodec().decode(GrayCodec().encode(image, 10)), image)
        scan = [Mae().score(GrayCodec().decode(GrayCodec().encode(image, q)), image) for q in range(21)]
        assert all(b <= a for a, b in zip(scan, scan[1:]))  # the synthetic codec is monotone
        found = next(m for m in row["matched"] if (m["pre"], m["codec"], m["metric"]) == ("tcopy", "tgray", "tmae"))
        assert found["quality"] == next(q for q, s in enumerate(scan) if s <= target)
        assert found["bytes"] == len(GrayCodec().encode(image, found["quality"]))
        assert found["saving"] == pytest.approx(1 - found["bytes"] / len(GrayCodec().encode(image, 10)))


def test_post_table(bench_run):
    root, _ = bench_run
    summary, rows = read(root)
    gray = summary["results"]["codecs"][0]
    assert [row["quality"] for row in gray["post"]] == [2, 4, 6, 8]
    row = gray["post"][1]
    images = [load_image(r["image"]) for r in rows]
    decoded = [GrayCodec().decode(GrayCodec().encode(image, 4)) for image in images]
    assert row["without"]["tpsnr2"] == pytest.approx(np.mean([Psnr().score(d, i) for d, i in zip(decoded, images)]))
    assert row["with"]["tsmooth"]["tpsnr2"] == pytest.approx(
        np.mean([Psnr().score(Smooth().apply(d), i) for d, i in zip(decoded, images)])
    )


def test_summary_curves_and_provenance(bench_run):
    root, _ = bench_run
    summary, rows = read(root)
    assert set(summary) >= {"name", "description", "results", "provenance"}
    provenance = summary["provenance"]
    assert provenance["seed"] == 3 and provenance["parameters"]["bd_method"] == "akima"
    assert provenance["images"]["sha256"] == list_hash((r["image"], r["sha256"]) for r in rows)
    codecs = {c["label"]: c for c in provenance["plugins"]["codecs"]}
    assert codecs["tgray"]["libraries"]["pillow"] and codecs["tgray"]["spec"] == "tgray"
    assert {m["label"] for m in provenance["plugins"]["methods"]} == {"tcopy", "tdim", "tsmooth"}
    assert provenance["software"]["kuchen-core"]
    curve = json.loads((root / "out" / "curves" / "tgray__Original.json").read_text())
    assert curve["name"] == "tgray + Original" and curve["results"]["quality"] == [5, 7, 10, 13, 16, 18]
    assert len(curve["results"]["bpp"]) == len(curve["results"]["tmae"]) == 6
    assert curve["provenance"]["sha256"] == provenance["sha256"]
    plots = sorted(p.name for p in (root / "out" / "plots").glob("*.png"))
    assert plots == ["rd-0-tgray-tmae.png", "rd-0-tgray-tpsnr2.png", "rd-1-tpjpeg-tmae.png", "rd-1-tpjpeg-tpsnr2.png"]
    with Image.open(root / "out" / "plots" / plots[0]) as png:
        assert json.loads(png.info["Description"])["provenance_sha256"] == provenance["sha256"]


def test_crops_show_the_same_window_at_the_reference_quality(bench_run):
    root, _ = bench_run
    summary, rows = read(root)
    crops = summary["outputs"]["crops"]
    assert len(crops) == 2  # --crops 2 of 3 images, chosen with the seed
    item = crops[0]
    top, left, side = item["box"]
    image = load_image(item["image"])
    panel = next(p for p in item["codecs"][0]["panels"] if p["pre"] == "tdim")
    expected = GrayCodec().decode(GrayCodec().encode(Dim().apply(image), 10))[top : top + side, left : left + side]
    assert np.array_equal(load_image(root / "out" / panel["path"]), expected)
    assert np.array_equal(load_image(root / "out" / item["original"]), image[top : top + side, left : left + side])
    # the crops decode the reference-quality files the tasks kept: 3 images x 3 pre-processings x 2 codecs
    kept = sorted((root / "out" / "cache" / "files").glob("??/*"))
    assert len(kept) == 18 and sum(p.suffix == ".tgray" for p in kept) == 9
    assert any(p.read_bytes() == GrayCodec().encode(Dim().apply(image), 10) for p in kept)


def test_a_rerun_computes_nothing(bench_run, kuchen_register):
    root, first = bench_run
    kuchen_register(Plugins())
    again = CliRunner().invoke(
        cli,
        bench_args(root),
        catch_exceptions=False,
    )
    assert again.exit_code == 0 and "\n0 encodes computed" in again.output
    assert again.output.split("\n0 encodes")[0] == first.output.split("encodes computed")[0].rsplit("\n", 1)[0]


def test_a_failing_method_fails_its_image_only(kuchen_register, tmp_path):
    import label_fakes

    kuchen_register(Plugins(), label_fakes)
    paths = make_images(tmp_path / "in", 3)
    marked = np.asarray(Image.open(paths[1])).copy()
    marked[0, 0, 0] = 7  # label_fakes' tfragile refuses this image
    Image.fromarray(marked).save(paths[1])
    result = CliRunner().invoke(
        cli,
        [
            "bench",
            "-i",
            str(tmp_path / "in"),
            "--codecs",
            "tgray",
            "--pre",
            "none,tfragile",
            "--metrics",
            "tmae",
            "--jobs",
            "1",
            "--quiet",
            "-o",
            str(tmp_path / "out"),
        ],
    )
    assert result.exit_code == 1
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["results"]["images"]["used"] == 2
    assert summary["results"]["images"]["failed"] == [str(paths[1])]
    assert any("tfragile refuses" in error for error in summary["run"]["errors"])
    assert "1 failed" in result.output


def test_cli_errors_are_one_line_and_exit_2(tmp_path, monkeypatch, capsys):
    from kuchen_core.cli import main

    monkeypatch.setattr(
        sys,
        "argv",
        [
            "kuchen",
            "bench",
            "-i",
            str(tmp_path),
            "--codecs",
            "jpeg",
            "--metrics",
            "psnr",
            "-o",
            str(tmp_path / "out"),
            "--pre",
            "none,nosuchmethod",
        ],
    )
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "Unknown method 'nosuchmethod'" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()  # nothing written before the settings are checked


def test_bench_help_imports_nothing_heavy():
    code = (
        "import sys; from kuchen_core.cli import cli\n"
        "try:\n    cli.main(['bench', '--help'], standalone_mode=False)\nexcept SystemExit:\n    pass\n"
        "print([m for m in ('matplotlib', 'bjontegaard', 'scipy', 'tqdm', 'kuchen_core.bench') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().endswith("[]"), out
    assert "'+' chains" in out


# -- the HTML report in a real browser -------------------------------------------------------

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
CHECK = """<script>
window.addEventListener('load', () => {
  for (const img of document.images) img.setAttribute('data-ok', img.complete && img.naturalWidth > 0 ? '1' : '0');
  document.body.setAttribute('data-checked', String(document.images.length));
  const point = document.querySelector('svg.rd g:not(.per-image) circle[data-quality]');
  document.body.setAttribute('data-point-title', point ? point.querySelector('title').textContent : '');
  const perImage = document.querySelector('svg.rd .per-image');
  const hidden = getComputedStyle(perImage).display === 'none';
  document.querySelector('.show-images').click();
  const shown = getComputedStyle(perImage).display !== 'none';
  document.body.setAttribute('data-per-image', hidden && shown ? 'toggles' : 'stuck');
});
</script>"""


@pytest.mark.skipif(
    CHROMIUM is None, reason="Debian chromium is not installed (scripts/install-system-deps.sh installs it as root)"
)
def test_html_report_loads_every_image_in_headless_chromium(bench_run, tmp_path):
    root, _ = bench_run
    out = root / "out"
    report = (out / "report.html").read_text()
    sources = re.findall(r"<img src='([^']+)'", report)
    assert len(sources) == 2 * 2 * (1 + 3)  # per cropped image and codec: the input + 3 pre-processings
    assert all((out / s).is_file() for s in sources)
    # a copy beside the report (same relative paths) with a script that marks each image
    probe = out / "probe.html"
    probe.write_text(report.replace("</body>", CHECK + "</body>"))
    try:
        dom = subprocess.run(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
                f"--user-data-dir={tmp_path / 'profile'}",
                "--allow-file-access-from-files",
                "--virtual-time-budget=10000",
                "--dump-dom",
                probe.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        ).stdout
    finally:
        probe.unlink()
    assert f'data-checked="{len(sources)}"' in dom, dom[-2000:]
    assert dom.count('data-ok="1"') == len(sources) and 'data-ok="0"' not in dom
    assert "Table 1: quality 10, against tgray Original" in dom
    # what a codec engineer reads first: which BD-rate sign is better, and each RD point's quality
    assert dom.count("negative is better (fewer bits)") == 2  # beside each codec's BD-rate table
    assert re.search(r'data-point-title="tgray Original q\d+: [\d.]+ bpp, tmae [\d.]+ \(mean of 3 images\)"', dom)
    assert 'data-per-image="toggles"' in dom  # per-image curves hidden, then shown by the checkbox


# -- executors -------------------------------------------------------------------------------

TIMES = {"encode_ms_per_mp", "decode_ms_per_mp", "encoding_time", "decoding_time"}


def without_times(value):
    """``value`` with every measured time left out, for comparing two runs."""
    if isinstance(value, dict):
        return {k: without_times(v) for k, v in value.items() if k not in TIMES}
    if isinstance(value, list):
        return [without_times(v) for v in value]
    return value


def test_dask_local_cluster_gives_the_same_results_as_in_process(tmp_path):
    """Tasks are plain data: on a Dask LocalCluster (workers load label_fakes themselves) the
    per-image rows and the tables are the same as in-process."""
    pytest.importorskip("distributed")
    label_fakes = pytest.importorskip("label_fakes")
    label_fakes.make_images(tmp_path / "in", 3)

    def run(out, *args):
        result = CliRunner().invoke(
            cli,
            [
                "bench",
                "-i",
                str(tmp_path / "in"),
                "--codecs",
                "tjpeg",
                "--pre",
                "none,tblur,tbright+tposter",
                "--metrics",
                "tpsnr,trough",
                "--ladder",
                "20,50,80",
                "--plugin-module",
                "label_fakes",
                "--crops",
                "0",
                "--quiet",
                "-o",
                str(tmp_path / out),
                *args,
            ],
            catch_exceptions=False,
        )
        assert result.exit_code == 0, result.output
        rows = [json.loads(line) for line in (tmp_path / out / "results.jsonl").read_text().splitlines()]
        for row in rows:
            row.pop("run")  # its provenance hash covers the parameters, which include the output folder
        return rows, json.loads((tmp_path / out / "summary.json").read_text())

    inline_rows, inline = run("inline", "--jobs", "1")
    dask_rows, dask = run("dask", "--executor", "dask", "--jobs", "2")
    assert without_times(dask_rows) == without_times(inline_rows)  # times are measurements: they differ
    assert without_times(dask["results"]) == without_times(inline["results"])
    assert all(e["encode_ms_per_mp"] > 0 for row in dask_rows for e in row["evaluations"])
    assert dask["run"]["executor"].startswith("dask on a LocalCluster")
    # Every chain's matched-quality search needs the Original's reference encode: in-process it is
    # computed once, while two Dask workers may both compute it before either has stored it. The
    # distinct records are the same either way, and no encode is ever skipped.
    records = {out: len(ContentCache(tmp_path / out / "cache")) for out in ("inline", "dask")}
    assert records["dask"] == records["inline"] == inline["run"]["encodes_computed"] > 0
    assert dask["run"]["encodes_computed"] >= records["dask"]


def test_the_1080p_copy_fits_the_box_and_keeps_the_aspect(tmp_path):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    try:
        import downscale_1080p
    finally:
        sys.path.pop(0)
    assert downscale_1080p.target_size(6000, 4000) == (1620, 1080)
    assert downscale_1080p.target_size(4000, 6000) == (1080, 1620)
    assert downscale_1080p.target_size(5472, 3078) == (1920, 1080)
    assert downscale_1080p.target_size(800, 600) == (800, 600)  # never upscaled
    (tmp_path / "src").mkdir()
    Image.fromarray(np.zeros((2400, 3200, 3), np.uint8)).save(tmp_path / "src" / "a.jpg")
    assert downscale_1080p.main(["--src", str(tmp_path / "src"), "--out", str(tmp_path / "out")]) == 0
    assert load_image(tmp_path / "out" / "a.png").shape == (1080, 1440, 3)


REPO = Path(__file__).resolve().parents[1]


def test_the_shipped_bench_config_and_the_demo_name_installed_plugins(monkeypatch):
    """benchmarks/bench-cbsd68.toml and the Makefile's demo settings check out against the installed
    plugins (nothing is run); the CBSD68 list names 68 images when the shared data is there."""
    from kuchen_core import get_registry

    installed = {kind: set(get_registry().names(kind)) for kind in ("codec", "method", "metric")}
    if not {"jpeg", "webp", "hevc"} <= installed["codec"] or "ssimulacra2" not in installed["metric"]:
        pytest.skip("the built-in codec and metric plugins are not installed")
    monkeypatch.chdir(REPO)
    plan = build_plan(make_config(load_toml("benchmarks/bench-cbsd68.toml")))
    assert [c.label for c in plan.codecs] == ["jpeg", "webp", "hevc"] and len(plan.chains) == 3
    make = (REPO / "Makefile").read_text()
    settings = dict(re.findall(r"^(DEMO_[A-Z]+) \?= ?(.*)$", make, re.M))
    plan = build_plan(
        make_config(
            images=("samples/",),
            out="out/demo",
            codecs=tuple(settings["DEMO_CODECS"].split(",")),
            pre=tuple(settings["DEMO_PRE"].split(",")),
            metrics=tuple(settings["DEMO_METRICS"].split(",")),
        )
    )
    assert plan.chains[0].is_original and len(discover(["samples/"])) == 4
    listed = [
        line for line in (REPO / "benchmarks" / "cbsd68.txt").read_text().splitlines() if not line.startswith("#")
    ]
    assert len(listed) == 68
    if (REPO / "benchmarks" / listed[0]).is_file():
        assert len(discover(["benchmarks/cbsd68.txt"])) == 68


def test_adding_a_metric_scores_only_that_metric(kuchen_register, tmp_path, monkeypatch):
    kuchen_register(Plugins())
    make_images(tmp_path / "in", 2)
    calls = {"tmae": 0, "tpsnr2": 0}
    for cls, name in ((Mae, "tmae"), (Psnr, "tpsnr2")):
        original = cls.score

        def counted(self, distorted, reference=None, _original=original, _name=name):
            calls[_name] += 1
            return _original(self, distorted, reference)

        monkeypatch.setattr(cls, "score", counted)

    def run(metrics):
        result = CliRunner().invoke(
            cli,
            [
                "bench",
                "-i",
                str(tmp_path / "in"),
                "--codecs",
                "tgray",
                "--pre",
                "none,tsmooth",
                "--metrics",
                metrics,
                "--crops",
                "0",
                "--jobs",
                "1",
                "--quiet",
                "-o",
                str(tmp_path / "out"),
            ],
            catch_exceptions=False,
        )
        assert result.exit_code == 0, result.output
        return json.loads((tmp_path / "out" / "summary.json").read_text())

    first = run("tmae")
    scored = calls["tmae"]
    assert scored > 0 and calls["tpsnr2"] == 0
    second = run("tmae,tpsnr2")
    assert calls["tmae"] == scored  # the records kept their tmae scores
    assert calls["tpsnr2"] > 0 and second["run"]["encodes_computed"] > 0
    first_table = {r["pre"]: r["metrics"]["tmae"] for r in first["results"]["codecs"][0]["table1"]}
    assert {r["pre"]: r["metrics"]["tmae"] for r in second["results"]["codecs"][0]["table1"]} == first_table
    third = run("tmae,tpsnr2")
    assert third["run"]["encodes_computed"] == 0 and calls["tmae"] == scored


def test_config_file_on_the_command_line(kuchen_register, tmp_path, monkeypatch):
    kuchen_register(Plugins())
    make_images(tmp_path / "in", 2)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bench.toml").write_text(
        'images = "in"\nout = "from-file"\ncodecs = "tgray"\npre = "none,tsmooth"\n'
        'metrics = ["tmae"]\ncrops = 1\n[ladder]\ntgray = [4, 10, 16]\n'
    )
    result = CliRunner().invoke(
        cli,
        ["bench", "--config", "bench.toml", "--out", "from-option", "--jobs", "1", "--quiet", "--no-matched"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "from-option" / "summary.json").read_text())
    assert not (tmp_path / "from-file").exists()
    assert summary["results"]["codecs"][0]["ladder"] == [4, 10, 16]
    assert summary["results"]["codecs"][0]["matched"] == [] and "Matched quality" not in result.output
    assert summary["provenance"]["parameters"]["images"] == ["in"] and len(summary["outputs"]["crops"]) == 1
