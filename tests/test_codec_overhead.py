"""The codec-overhead benchmark script: its docs section replaces only itself, and it runs end to end."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from kuchen_core import save_image
from kuchen_core.testing import registered, sample_photo

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "codec_overhead.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("codec_overhead", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_write_section_replaces_its_own_section_and_keeps_the_others(bench, tmp_path):
    docs = tmp_path / "benchmarks.md"
    docs.write_text(
        "# Benchmarks\n\n## Table 1\n\nkeep me\n\n## Codec overhead\n\nold numbers\n\n## RD curves\n\nkeep too\n"
    )
    bench.write_section(docs, "## Codec overhead\n\nnew numbers\n")
    text = docs.read_text()
    assert "old numbers" not in text and text.count("## Codec overhead") == 1
    assert text.index("keep me") < text.index("new numbers") < text.index("keep too")


def test_write_section_creates_the_file_or_appends(bench, tmp_path):
    docs = tmp_path / "benchmarks.md"
    bench.write_section(docs, "## Codec overhead\n\nnumbers\n")
    assert docs.read_text() == "# Benchmarks\n\n## Codec overhead\n\nnumbers\n"
    docs.write_text("# Benchmarks\n\n## Other\n\nx\n")
    bench.write_section(docs, "## Codec overhead\n\nnumbers\n")
    assert docs.read_text().endswith("## Other\n\nx\n\n## Codec overhead\n\nnumbers\n")


def test_it_times_a_codec_against_its_library_and_gates_the_ratio(bench, tmp_path, capsys):
    jpeg_plugin = pytest.importorskip("kuchen_plugin_jpeg")
    image = save_image(tmp_path / "photo.png", sample_photo())
    args = [str(image), "--codecs", "jpeg", "--repeats", "3", "--min-seconds", "0"]
    with registered(jpeg_plugin):  # limits far from 1 so the exit code never depends on the machine's load
        assert bench.main(args + ["--max-ratio", "100"]) == 0
        assert bench.main(args + ["--max-ratio", "0.01"]) == 1
    out = capsys.readouterr().out
    assert "| `jpeg(optimize=True,progressive=False,subsampling=4:2:0)` | 3 |" in out


def test_unknown_codecs_are_refused(bench):
    with pytest.raises(SystemExit):
        bench.parse_args(["--codecs", "jpeg,avif"])
