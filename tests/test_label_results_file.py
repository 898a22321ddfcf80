"""``kuchen label --export-results`` and ``--seed``/``seed``: a run's evaluations travel as one file
and a run seeded with them computes nothing it holds, and produces the same labels and manifest."""

import gzip

import pytest
from click.testing import CliRunner

import label_fakes
from kuchen_core.cli import cli
from kuchen_core.labeling import LabelConfigError, load_config, read_manifest

EVALUATIONS = 1 + 3 + 6  # identity, three methods, six ordered pairs; one quality


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    label_fakes.make_images(tmp_path / "in", 3)
    return tmp_path


def label(*args, output="out", quality="40", extra=""):
    with open("pool.toml", "w") as handle:
        handle.write(label_fakes.config_text("in/*.png", output, quality=quality, metrics=("trough",), extra=extra))
    label_fakes.CALLS.clear()
    return CliRunner().invoke(cli, ["label", "pool.toml", "--jobs", "1", "--quiet", *args])


def encodes():
    return sum(n for (kind, _), n in label_fakes.CALLS.items() if kind == "encode")


def test_a_run_seeded_with_exported_results_encodes_nothing_and_writes_the_same_labels(workdir):
    assert label().exit_code == 0
    exported = label("--export-results", "results.jsonl.gz")
    assert exported.exit_code == 0, exported.output
    assert f"{3 * EVALUATIONS} evaluations; 3 of 3 images complete" in exported.stdout
    assert encodes() == 0 and not (workdir / "out2").exists()  # exporting labels nothing

    seeded = label("--seed", "results.jsonl.gz", output="out2")
    assert seeded.exit_code == 0, seeded.output
    assert f"seeded the cache with {3 * EVALUATIONS} of the {3 * EVALUATIONS} evaluations" in seeded.stderr
    assert encodes() == 0
    first, second = read_manifest("out"), read_manifest("out2")
    assert label_fakes.without_timings(first) == label_fakes.without_timings(second)
    for row in first:
        label_file = row["results"][0]["label"]
        assert (workdir / "out2" / label_file).read_bytes() == (workdir / "out" / label_file).read_bytes()


def test_a_part_finished_cache_exports_what_it_has_and_the_seeded_run_computes_only_the_rest(workdir):
    assert label("--limit", "2").exit_code == 0
    exported = label("--export-results", "part.jsonl.gz")
    assert f"{2 * EVALUATIONS} evaluations; 2 of 3 images complete" in exported.stdout
    label("--export-results", "again.jsonl.gz")
    assert (workdir / "part.jsonl.gz").read_bytes() == (workdir / "again.jsonl.gz").read_bytes()

    seeded = label(output="out2", extra='seed = ["part.jsonl.gz"]')  # the config key
    assert seeded.exit_code == 0, seeded.output
    assert encodes() == EVALUATIONS  # the third image only
    assert len(read_manifest("out2")) == 3


def test_results_from_another_codec_quality_match_no_evaluation(workdir):
    assert label().exit_code == 0
    assert label("--export-results", "q40.jsonl.gz").exit_code == 0
    other = label("--seed", "q40.jsonl.gz", output="out2", quality="60")
    assert other.exit_code == 0, other.output
    assert encodes() == 3 * EVALUATIONS


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "does not exist"),
        (b"not gzip at all", "is not a complete gzip file"),
        (gzip.compress(b'{"key": "abc", "result": {}}\n'), "line 1: not a record written by --export-results"),
        (gzip.compress(b'{"key": "' + b"a" * 64 + b'", "result": {"bpp": 1}}\n' * 50)[:-20], "is not a complete gzip"),
    ],
)
def test_a_bad_seed_file_is_a_clear_error_that_writes_nothing(workdir, content, message):
    if content is not None:
        (workdir / "bad.jsonl.gz").write_bytes(content)
    result = label("--seed", "bad.jsonl.gz")
    assert isinstance(result.exception, LabelConfigError)  # `kuchen` prints it as one line, exit code 2
    assert message in str(result.exception)
    assert not (workdir / "out").exists()


def test_the_seed_key_takes_a_path_or_a_list(workdir):
    (workdir / "one.toml").write_text(label_fakes.config_text("in/*.png", "out", extra='seed = "a.jsonl.gz"'))
    (workdir / "two.toml").write_text(label_fakes.config_text("in/*.png", "out", extra='seed = ["a.gz", "b.gz"]'))
    assert [str(p) for p in load_config("one.toml").seed] == ["a.jsonl.gz"]
    assert [str(p) for p in load_config("two.toml", seed=("c.gz",)).seed] == ["a.gz", "b.gz", "c.gz"]
    dry = CliRunner().invoke(cli, ["label", "one.toml", "--dry-run"])
    assert dry.exit_code == 0 and "seed: a.jsonl.gz (read into the cache" in dry.output  # not read yet
