"""Algorithm 1 end to end, in-process (``--jobs 1``), with the fast plugins of label_fakes."""

import json

import attrs
import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

import label_fakes
from kuchen_core import Registry, apply_methods, load_image
from kuchen_core.cli import cli
from kuchen_core.labeling import ImageTask, build_plan, discover, evaluate, label_image, load_config, read_manifest
from kuchen_core.labeling.scoring import zscores

POOL4 = ("tblur", "tbright", "tposter", "tflip")


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    label_fakes.CALLS.clear()
    return tmp_path


def label(workdir, *args, **config):
    (workdir / "pool.toml").write_text(label_fakes.config_text("in/*.png", "out", **config))
    label_fakes.CALLS.clear()
    return CliRunner().invoke(cli, ["label", "pool.toml", "--jobs", "1", "--quiet", *args])


def calls(kind):
    return sum(n for (k, _), n in label_fakes.CALLS.items() if k == kind)


def test_labels_are_the_best_scoring_groups_pre_codec_images(workdir):
    inputs = label_fakes.make_images(workdir / "in", 3)
    result = label(workdir, metrics=("tpsnr", '[[metrics]]\nname = "trough"\nweight = 0.5'))
    assert result.exit_code == 0, result.output
    assert "winner group" in result.output and "labelled 3 images" in result.output
    rows = read_manifest("out")
    assert [row["image"] for row in rows] == [f"in/img{i:03d}.png" for i in range(3)]
    registry = Registry.from_plugins(label_fakes)
    for path, row in zip(inputs, rows):
        original = load_image(path)
        (res,) = row["results"]
        groups = res["groups"]
        assert [g["group"] for g in groups][:5] == ["identity", "tblur", "tbright", "tposter", "tblur>tbright"]
        assert len(groups) == 1 + 3 + 6
        for g in groups:
            assert g["bpp"] == pytest.approx(8 * g["bytes"] / (original.shape[0] * original.shape[1]))
            assert set(g["timings"]) == {"methods", "encode", "decode", "metrics"}
        # recompute Algorithm 1 from the manifest's raw numbers
        expected = (
            np.array(zscores([g["quality"]["tpsnr"] for g in groups]))
            - 0.5 * np.array(zscores([g["quality"]["trough"] for g in groups]))
            - np.array(zscores([g["bpp"] for g in groups]))
        )
        assert [g["score"] for g in groups] == pytest.approx(list(expected))
        best = groups[int(np.argmax(expected))]["group"]
        assert res["winner"] == best and res["label"] == f"labels/q40/{path.stem}.png"
        methods = [] if best == "identity" else [registry.create("method", m) for m in best.split(">")]
        label_image = Image.open(workdir / "out" / res["label"])
        assert label_image.format == "PNG" and label_image.size == (original.shape[1], original.shape[0])
        np.testing.assert_array_equal(np.asarray(label_image), apply_methods(original, methods))
    summary = json.loads((workdir / "out" / "summary.json").read_text())
    assert summary["images"] == 3 and summary["evaluations_computed"] == 30 and summary["failed_evaluations"] == 0
    assert sum(summary["winners"]["40"].values()) == 3


def test_each_distinct_prefix_is_applied_once_per_image(workdir):
    label_fakes.make_images(workdir / "in", 2)
    result = label(workdir, methods=POOL4)
    assert result.exit_code == 0, result.output
    assert calls("apply") == 2 * 16  # not 2 * 28: A→B starts from A's output
    assert all(
        label_fakes.CALLS[("apply", m)] == 2 * 4
        for m in ["tblur(radius=1)", "tbright(delta=9)", "tposter(bits=5)", "tflip"]
    )
    assert calls("encode") == 2 * 17
    assert "32 method applications" in result.output


def test_a_warm_rerun_does_no_work_and_writes_the_same_manifest(workdir):
    label_fakes.make_images(workdir / "in", 3)
    assert label(workdir).exit_code == 0
    manifest = (workdir / "out" / "manifest.jsonl").read_bytes()
    result = label(workdir)
    assert result.exit_code == 0
    assert calls("apply") == 0 and calls("encode") == 0
    assert "0 evaluations computed, 30 from the cache, 0 method applications" in result.output
    assert (workdir / "out" / "manifest.jsonl").read_bytes() == manifest


def test_a_deleted_label_is_regenerated_without_re_encoding(workdir):
    label_fakes.make_images(workdir / "in", 2)
    assert label(workdir).exit_code == 0
    label_path = workdir / "out" / read_manifest("out")[0]["results"][0]["label"]
    before = label_path.read_bytes()
    label_path.unlink()
    assert label(workdir).exit_code == 0
    assert calls("encode") == 0 and label_path.read_bytes() == before


def test_changing_a_parameter_recomputes_only_the_groups_that_use_it(workdir):
    label_fakes.make_images(workdir / "in", 2)
    assert label(workdir, methods=("tblur", "tbright", "tposter")).exit_code == 0
    first = {g["group"]: g for g in read_manifest("out")[0]["results"][0]["groups"]}
    assert label(workdir, methods=("tblur", "tbright(delta=20)", "tposter")).exit_code == 0
    # tbright alone, and the four ordered pairs with it, per image
    assert calls("encode") == 2 * 5
    assert label_fakes.CALLS[("apply", "tbright(delta=9)")] == 0
    second = {g["group"].replace("(delta=20)", ""): g for g in read_manifest("out")[0]["results"][0]["groups"]}
    for name, group in first.items():
        same = {k: v for k, v in group.items() if k not in {"z_quality", "z_bpp", "score"}}
        if "tbright" in name:
            assert second[name]["pixels"] != group["pixels"]
        else:
            assert {k: second[name][k] for k in same} == same


def test_a_failing_method_fails_only_its_groups_and_the_exit_code_says_so(workdir):
    label_fakes.make_images(workdir / "in", 3, marked=1)
    result = label(workdir, methods=("tbright", "tfragile"))
    assert result.exit_code == 1
    assert "FAILED: 2 (image, group, quality) evaluations and 0 whole images" in result.output
    assert "tfragile>tbright: 1 failed" in result.output
    rows = read_manifest("out")
    assert [row["failed"] for row in rows] == [0, 2, 0]
    failed = {g["group"]: g["error"] for g in rows[1]["results"][0]["groups"] if "error" in g}
    message = "method 'tfragile': RuntimeError: tfragile refuses this image"
    assert failed == {"tfragile": message, "tfragile>tbright": message}
    assert rows[1]["results"][0]["winner"] not in failed  # the image still gets a label from the others
    assert (workdir / "out" / rows[1]["results"][0]["label"]).is_file()
    # failures are not cached: a rerun retries them, and only them
    result = label(workdir, methods=("tbright", "tfragile"))
    assert result.exit_code == 1
    assert calls("encode") == 0 and label_fakes.CALLS[("apply", "tfragile(fail_on=7)")] == 1


def test_a_failing_codec_and_an_unreadable_image_are_recorded(workdir):
    label_fakes.make_images(workdir / "in", 2)
    label_fakes.make_images(workdir / "odd", 1, size=(40, 30))
    (workdir / "odd" / "img000.png").rename(workdir / "in" / "narrow.png")
    (workdir / "in" / "zz-broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    result = label(workdir, codec="tjpeg(fail_width=30)")
    assert result.exit_code == 1
    assert "FAILED: 10 (image, group, quality) evaluations and 1 whole images" in result.output
    rows = read_manifest("out")
    assert [row["image"] for row in rows] == ["in/img000.png", "in/img001.png", "in/narrow.png", "in/zz-broken.png"]
    narrow = rows[2]["results"][0]
    assert narrow["winner"] is None and narrow["label"] is None
    assert {g["error"] for g in narrow["groups"]} == {"OSError: tjpeg cannot encode this width"}
    assert rows[3]["error"].startswith("ImageLoadError:") and "results" not in rows[3]
    assert rows[0]["failed"] == rows[1]["failed"] == 0


def test_metrics_get_the_original_only_when_full_reference(workdir):
    inputs = label_fakes.make_images(workdir / "in", 1)
    result = label(workdir, methods=("tbright", "tblur"), metrics=("tpsnr", "trough"))
    assert result.exit_code == 0
    assert label_fakes.CALLS[("score-reference", "trough")] == 0
    group = next(g for g in read_manifest("out")[0]["results"][0]["groups"] if g["group"] == "tbright")
    registry = Registry.from_plugins(label_fakes)
    original = load_image(inputs[0])
    codec = registry.create("codec", "tjpeg")
    decoded = codec.decode(codec.encode(apply_methods(original, [registry.create("method", "tbright")]), 40))
    assert group["quality"]["tpsnr"] == pytest.approx(registry.create("metric", "tpsnr").score(decoded, original))
    result = label(
        workdir,
        methods=("tbright", "tblur"),
        metrics=('[[metrics]]\nname = "trough"\nreference = "original"',),
        extra='cache = "cache2"',
    )
    assert result.exit_code == 0 and label_fakes.CALLS[("score-reference", "trough")] > 0


def test_several_qualities_give_one_label_set_each(workdir):
    label_fakes.make_images(workdir / "in", 2)
    result = label(workdir, quality="[20, 80]")
    assert result.exit_code == 0
    assert calls("encode") == 2 * 10 * 2 and calls("apply") == 2 * 9
    row = read_manifest("out")[0]
    assert [r["quality"] for r in row["results"]] == [20, 80]
    assert (workdir / "out/labels/q20/img000.png").is_file() and (workdir / "out/labels/q80/img000.png").is_file()
    assert "(tjpeg q=20)" in result.output and "(tjpeg q=80)" in result.output


def test_without_memory_for_candidates_the_winner_is_recomputed_identically(workdir, monkeypatch):
    label_fakes.make_images(workdir / "in", 2)
    assert label(workdir, methods=POOL4).exit_code == 0
    labels = {p.name: p.read_bytes() for p in (workdir / "out/labels/q40").iterdir()}
    monkeypatch.setattr(evaluate, "RETAIN_BYTES", 0)
    result = label(workdir, methods=POOL4, extra='cache = "cache2"')
    assert result.exit_code == 0
    assert 2 * 16 <= calls("apply") <= 2 * 18  # the winner's chain again, at most K applications
    assert {p.name: p.read_bytes() for p in (workdir / "out/labels/q40").iterdir()} == labels


def test_corrupt_cache_records_are_misses_and_are_rewritten(workdir):
    label_fakes.make_images(workdir / "in", 1)
    assert label(workdir).exit_code == 0
    before = label_fakes.without_timings(read_manifest("out"))
    records = sorted((workdir / "out" / "cache").glob("??/*.json"))
    for record in records:
        record.write_text('{"bpp": 0.5, "qual')  # as if torn by something other than our atomic writes
    assert label(workdir).exit_code == 0
    assert calls("encode") == 10
    assert all(isinstance(json.loads(record.read_text()), dict) for record in records)
    assert label_fakes.without_timings(read_manifest("out")) == before


def test_a_worker_with_other_plugin_versions_refuses_to_label(workdir, kuchen_register):
    kuchen_register(label_fakes)
    label_fakes.make_images(workdir / "in", 1)
    (workdir / "pool.toml").write_text(label_fakes.config_text("in/*.png", "out", modules=()))
    config = load_config("pool.toml")
    plan = build_plan(config)
    planned = plan.codec.provenance.replace('"version":null', '"version":"0.9"')
    older = attrs.evolve(plan, codec=attrs.evolve(plan.codec, provenance=planned))
    outcome = label_image(ImageTask(older, 0, discover(config)[0]))
    assert outcome.record_key is None and "install the same plugin versions on every worker" in outcome.error


def test_a_cache_and_labels_copied_to_a_new_folder_need_no_method_applied(workdir):
    """Moving a run (cache and labels/) to another output re-scores from the cache and keeps each
    label whose pixels match its winner's; a label that does not match is made again."""
    import shutil

    label_fakes.make_images(workdir / "in", 3)
    assert label(workdir, metrics=("trough",)).exit_code == 0  # smoothing wins: labels that need applying
    shutil.copytree(workdir / "out", workdir / "moved")
    (workdir / "moved" / "manifest.jsonl").unlink()
    rows = read_manifest("out")
    applied = [row["results"][0] for row in rows if row["results"][0]["winner"] != "identity"]
    assert len(applied) >= 2
    winner = applied[0]
    label_fakes.Image.new("RGB", (56, 40)).save(workdir / "moved" / winner["label"])
    moved = label(workdir, "--out", "moved", metrics=("trough",))
    assert moved.exit_code == 0, moved.output
    assert calls("encode") == 0
    assert calls("apply") == len(winner["winner"].split(">"))  # only the tampered label's winner is applied
    for row in rows:
        result = row["results"][0]
        assert (workdir / "moved" / result["label"]).read_bytes() == (workdir / "out" / result["label"]).read_bytes()
