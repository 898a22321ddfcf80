"""compress / decode / methods apply on real files with in-test plugins."""

import json

import numpy as np
import pytest
from PIL import Image

from kuchen_core import load_image
from kuchen_core.testing import sample_photo

from fake_plugins import GoodPlugin


@pytest.fixture
def images(tmp_path, kuchen_register):
    kuchen_register(GoodPlugin())
    folder = tmp_path / "in"
    folder.mkdir()
    Image.fromarray(sample_photo()).save(folder / "a.png")
    Image.fromarray(sample_photo()[:50, :40]).save(folder / "b.png")
    (folder / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n truncated")
    return folder


def test_compress_writes_real_files_reports_bpp_and_skips_a_bad_file(images, tmp_path, run):
    out = tmp_path / "out"
    result = run(
        "compress",
        images,
        "--codec",
        "fakejpeg",
        "-q",
        "40",
        "--pre",
        "invert(amount=0)",
        "--metrics",
        "mae",
        "-o",
        out,
        "--json",
    )
    assert result.exit_code == 1  # one bad input
    rows = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    good = {r["input"].split("/")[-1]: r for r in rows if "error" not in r}
    bad = [r for r in rows if "error" in r]
    assert set(good) == {"a.png", "b.png"} and len(bad) == 1 and "broken.png" in bad[0]["input"]
    a = good["a.png"]
    assert a["bytes"] == (out / "a.jpg").stat().st_size
    assert a["bpp"] == pytest.approx(8 * a["bytes"] / (a["width"] * a["height"]), abs=1e-4)
    assert 0 < a["mae"] < 20


def test_compress_table_has_a_total_row(images, tmp_path, run):
    (images / "broken.png").unlink()
    result = run("compress", images, "--codec", "fakejpeg", "-q", "40", "--metrics", "mae", "-o", tmp_path / "o")
    assert result.exit_code == 0, result.output
    assert "TOTAL / mean" in result.output and "a.jpg" in result.output


def test_compress_unknown_names_and_bad_quality_are_usage_errors(images, tmp_path, run):
    result = run("compress", images, "--codec", "fakejpg", "-q", "40", "-o", tmp_path / "o")
    assert result.exit_code == 2 and "Did you mean: fakejpeg" in result.output
    result = run("compress", images, "--codec", "fakejpeg", "-q", "400", "-o", tmp_path / "o")
    assert result.exit_code == 2 and "1..100" in result.output
    result = run("compress", images, "--codec", "fakejpeg", "-q", "40", "--pre", "inverse", "-o", tmp_path / "o")
    assert result.exit_code == 2 and "Did you mean: invert" in result.output


def test_a_misspelt_list_names_the_flag_it_was_typed_in(images, tmp_path, run):
    result = run("compress", images, "--codec", "fakejpeg", "-q", "40", "--metrics", "maee", "-o", tmp_path / "o")
    assert (
        result.exit_code == 2
        and "Invalid value for --metrics:" in result.output
        and "Did you mean: mae" in result.output
    )
    result = run("decode", images, "--codec", "fakepng", "--post", "inverse", "-o", tmp_path / "d")
    assert result.exit_code == 2 and "Invalid value for --post:" in result.output


def test_decode_with_post_filter_and_methods_apply(images, tmp_path, run):
    (images / "broken.png").unlink()
    run("compress", images / "a.png", "--codec", "fakepng", "-q", "6", "-o", tmp_path / "c")
    result = run("decode", tmp_path / "c" / "a.png", "--codec", "fakepng", "--post", "invert", "-o", tmp_path / "d")
    assert result.exit_code == 0, result.output
    np.testing.assert_array_equal(load_image(tmp_path / "d" / "a.png"), 255 - sample_photo())
    result = run("methods", "apply", images, "--pre", "invert,invert", "-o", tmp_path / "m")
    assert result.exit_code == 0, result.output
    np.testing.assert_array_equal(load_image(tmp_path / "m" / "a.png"), sample_photo())


def test_decode_picks_the_codec_from_the_suffix(images, tmp_path, run):
    run("compress", images / "a.png", "--codec", "fakejpeg", "-q", "80", "-o", tmp_path / "c")
    result = run("decode", tmp_path / "c" / "a.jpg", "-o", tmp_path / "d")
    assert result.exit_code == 0 and "fakejpeg" in result.output
    assert load_image(tmp_path / "d" / "a.png").shape == sample_photo().shape


def test_methods_show_lists_parameters(images, run):
    result = run("methods", "show", "invert")
    assert "amount (float, default 1.0, 0..1)  blend" in result.output
