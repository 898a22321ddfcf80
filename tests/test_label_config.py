"""The labeling config, its validation against the registry, groups, scoring and --dry-run."""

import math

import pytest
from click.testing import CliRunner

import label_fakes
from kuchen_core import KuchenError, Metric, MetricInfo, hookimpl
from kuchen_core.cli import cli
from kuchen_core.labeling import LabelConfigError, build_plan, load_config, parse_config
from kuchen_core.labeling.groups import children, make_groups, naive_applications, prefixes
from kuchen_core.labeling.inputs import discover
from kuchen_core.runtime.inputs import glob_base
from kuchen_core.labeling.scoring import scores, winner, zscores

BASE = {
    "input": "in/*.png",
    "output": "out",
    "pool": {"methods": ["tblur", "tbright"]},
    "codec": {"name": "tjpeg", "quality": 50},
    "metrics": [{"name": "tpsnr"}],
}


def config(**changes):
    data = {key: (dict(value) if isinstance(value, dict) else value) for key, value in BASE.items()}
    for key, value in changes.items():
        table, _, field = key.partition("__")
        if field:
            data[table][field] = value
        else:
            data[table] = value
    return parse_config(data)


@pytest.fixture
def fakes(kuchen_register):
    kuchen_register(label_fakes)


def test_defaults_follow_the_paper():
    cfg = config()
    assert (cfg.max_group_size, cfg.order, cfg.identity, cfg.rate_weight) == (2, "permutations", True, 1.0)
    assert cfg.qualities == (50,) and cfg.metrics[0].reference is None and cfg.metrics[0].weight == 1.0
    assert cfg.cache_dir.as_posix() == "out/cache"


def test_a_pool_of_one_defaults_to_groups_of_one():
    assert config(pool__methods=["tblur"]).max_group_size == 1


def test_several_qualities_and_output_override():
    cfg = parse_config({**BASE, "codec": {"name": "tjpeg", "quality": [30, 60]}}, output="elsewhere")
    assert cfg.qualities == (30, 60) and cfg.output.as_posix() == "elsewhere"


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"pool__method": ["x"]}, "unknown key(s) method in [pool]; known: identity, max_group_size, methods, order"),
        ({"outptu": "x"}, "unknown key(s) outptu in the top level"),
        ({"pool__max_group_size": 3}, "pool.max_group_size must be between 1 and the number of methods (2), got 3"),
        ({"pool__order": "sorted"}, "pool.order must be one of ['permutations', 'combinations']"),
        ({"pool__methods": []}, "pool.methods must name at least one method"),
        ({"codec__quality": "high"}, "codec.quality must be an integer or a list of integers"),
        ({"codec__quality": [50, 50]}, "codec.quality lists a value twice"),
        ({"metrics": []}, "missing [[metrics]]"),
        (
            {"metrics": [{"name": "tpsnr", "reference": "input"}]},
            "metrics[0].reference must be one of ['none', 'original']",
        ),
        ({"metrics": [{"name": "tpsnr", "weight": -1}]}, "metrics[0].weight must be a number >= 0"),
        ({"score": {"rate_weight": "1"}}, "score.rate_weight must be a number >= 0"),
        ({"limit": 0}, "limit must be at least 1"),
        ({"ids": ["a.txt"]}, "ids must be a str"),
        ({"input": []}, "missing input"),
    ],
)
def test_malformed_configs_say_what_is_wrong(changes, message):
    with pytest.raises(LabelConfigError) as info:
        config(**changes)
    assert message in str(info.value)


def test_load_config_reports_the_file(tmp_path):
    path = tmp_path / "pool.toml"
    path.write_text("input = [\n")
    with pytest.raises(LabelConfigError, match="pool.toml: not valid TOML"):
        load_config(path)
    with pytest.raises(LabelConfigError, match="no such config file"):
        load_config(tmp_path / "missing.toml")


def test_every_name_is_checked_against_the_registry(fakes):
    with pytest.raises(LabelConfigError) as info:
        build_plan(config(pool__methods=["tblur", "tbrigth"]))
    text = str(info.value)
    assert "pool.methods[1] 'tbrigth': Unknown method 'tbrigth'. Did you mean: tbright?" in text
    assert "pip install kuchen-plugin-tbrigth" in text
    with pytest.raises(LabelConfigError, match=r"pool.methods\[0\] 'tblur\(radius=0\)'.*must be >= 1"):
        build_plan(config(pool__methods=["tblur(radius=0)", "tbright"]))
    with pytest.raises(LabelConfigError, match="codec.name 'jpg': Unknown codec"):
        build_plan(config(codec__name="jpg"))
    with pytest.raises(LabelConfigError, match="codec.quality: .*quality must be an integer in 1..100, got 0"):
        build_plan(config(codec__quality=[50, 0]))
    with pytest.raises(LabelConfigError, match="metrics\\[0\\].name 'psnrr': Unknown metric"):
        build_plan(config(metrics=[{"name": "psnrr"}]))


def test_full_reference_metric_needs_the_original(fakes):
    with pytest.raises(LabelConfigError, match='full-reference metric; set reference = "original"'):
        build_plan(config(metrics=[{"name": "tpsnr", "reference": "none"}]))
    plan = build_plan(config(metrics=[{"name": "tpsnr"}, {"name": "trough"}]))
    assert [m.use_reference for m in plan.metrics] == [True, False]
    assert [m.higher_is_better for m in plan.metrics] == [True, False]


def test_the_same_method_twice_is_refused(fakes):
    with pytest.raises(LabelConfigError, match=r"lists 'tblur\(radius=1\)' twice \('tblur' and 'tblur\(radius=1\)'\)"):
        build_plan(config(pool__methods=["tblur", "tblur(radius=1)"]))


def test_plan_records_provenance_for_cache_keys(fakes):
    plan = build_plan(config(pool__methods=["tblur(radius=2)", "tbright"]))
    assert plan.methods[0].spec == "tblur(radius=2)" and plan.methods[0].label == "tblur(radius=2)"
    assert '"spec":"tblur(radius=2)"' in plan.methods[0].provenance
    other = build_plan(config(pool__methods=["tblur(radius=3)", "tbright"]))
    assert plan.result_key("abc", (1,), 50) == other.result_key("abc", (1,), 50)  # untouched group
    assert plan.result_key("abc", (1, 0), 50) != other.result_key("abc", (1, 0), 50)
    assert plan.result_key("abc", (1,), 50) != plan.result_key("abd", (1,), 50)
    assert plan.result_key("abc", (1,), 50) != plan.result_key("abc", (1,), 51)


class _Unversioned(Metric):
    info = MetricInfo(
        name="tunversioned",
        description="a metric whose weights file vanished",
        needs_reference=False,
        higher_is_better=True,
        range=(0.0, 1.0),
    )

    def score(self, distorted, reference=None):
        return 0.0

    def library_versions(self):
        raise FileNotFoundError("weights.json is gone")


class _UnversionedPlugin:
    @hookimpl
    def register_metrics(self, register):
        register(_Unversioned)


def test_a_plugin_that_cannot_report_its_versions_is_named_before_any_work(kuchen_register, tmp_path, monkeypatch):
    kuchen_register(label_fakes, _UnversionedPlugin())
    with pytest.raises(
        KuchenError,
        match=r"metric 'tunversioned' \(from .*\) cannot report its library versions: "
        r"FileNotFoundError: weights.json is gone",
    ):
        build_plan(config(metrics=[{"name": "tunversioned"}]))
    monkeypatch.chdir(tmp_path)
    label_fakes.make_images(tmp_path / "in", 1)
    (tmp_path / "pool.toml").write_text(
        label_fakes.config_text("in/*.png", "out", methods=("tblur", "tbright"), metrics=("tunversioned",), modules=())
    )
    result = CliRunner().invoke(cli, ["label", "pool.toml", "--dry-run"])
    assert result.exit_code != 0 and isinstance(result.exception, KuchenError)
    assert "cannot report its library versions" in str(result.exception)


def test_groups_are_ordered_permutations_plus_identity():
    groups = make_groups(4, 2)
    assert len(groups) == 1 + 4 + 12 and groups[0] == () and (1, 0) in groups and (0, 0) not in groups
    assert len(make_groups(4, 2, "combinations")) == 1 + 4 + 6
    assert len(make_groups(3, 3, identity=False)) == 3 + 6 + 6
    assert len(prefixes(groups)) == 16 and naive_applications(groups) == 28
    tree = children(groups)
    assert tree[()] == [0, 1, 2, 3] and tree[(2,)] == [0, 1, 3]


def test_zscores_and_score_direction():
    assert zscores([3.0, 3.0, 3.0]) == [0.0, 0.0, 0.0]
    z = zscores([1.0, 2.0, 3.0])
    assert z[1] == 0 and math.isclose(z[2], math.sqrt(1.5))
    # group 0: better quality, same rate → wins; a lower-is-better metric flips the sign
    total, _, z_bpp = scores([[30.0, 20.0]], [1.0, 1.0], [1.0], [True], 1.0)
    assert total[0] > total[1] and z_bpp == [0.0, 0.0]
    total, _, _ = scores([[30.0, 20.0]], [1.0, 1.0], [1.0], [False], 1.0)
    assert total[0] < total[1]
    # equal quality: the smaller file wins (the paper's "+ Z(BPP)" would pick the larger one)
    total, _, _ = scores([[30.0, 30.0]], [2.0, 1.0], [1.0], [True], 1.0)
    assert winner(total) == 1
    assert winner([1.0, 1.0, 0.5]) == 0


def test_inputs_mirror_the_glob_base(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ["a/x.png", "a/sub/y.jpg", "a/notes.txt"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        label_fakes.Image.new("RGB", (4, 4)).save(tmp_path / name, format="PNG")
    assert glob_base("a/**/*.png").as_posix() == "a" and glob_base("*.png").as_posix() == "."
    images = discover(config(input="a/**/*", limit=5))
    assert [(i.name, i.label_rel) for i in images] == [("a/sub/y.jpg", "sub/y.png"), ("a/x.png", "x.png")]
    (tmp_path / "a/x.jpg").write_bytes((tmp_path / "a/x.png").read_bytes())
    with pytest.raises(LabelConfigError, match="would both be labelled x.png"):
        discover(config(input="a/*"))
    with pytest.raises(LabelConfigError, match="no image files match"):
        discover(config(input="b/*.png"))


def test_an_id_list_picks_images_across_folders_by_stem(tmp_path, monkeypatch):
    """As CBSD432's list does: paths below another root select files by stem; limit applies after."""
    monkeypatch.chdir(tmp_path)
    for name in ["train/1.png", "train/2.png", "val/3.png", "val/4.png"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        label_fakes.Image.new("RGB", (4, 4)).save(tmp_path / name, format="PNG")
    (tmp_path / "list.txt").write_text("data/train/2.jpg\ndata/val/3.jpg\n5\n")
    picked = discover(config(input=["train/*.png", "val/*.png"], ids="list.txt"))
    assert [(i.name, i.label_rel) for i in picked] == [("train/2.png", "2.png"), ("val/3.png", "3.png")]
    assert [i.name for i in discover(config(input=["train/*.png", "val/*.png"], ids="list.txt", limit=1))] == [
        "train/2.png"
    ]
    with pytest.raises(LabelConfigError, match=r"no image files match input \['val/4.png'\] with a name in list.txt"):
        discover(config(input="val/4.png", ids="list.txt"))
    with pytest.raises(LabelConfigError, match="ids: cannot read the id list nosuch.txt"):
        discover(config(ids="nosuch.txt"))
    (tmp_path / "empty.txt").write_text("\n")
    with pytest.raises(LabelConfigError, match="ids: the id list empty.txt names no images"):
        discover(config(ids="empty.txt"))


def test_limit_on_the_command_line_overrides_the_config(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    label_fakes.make_images(tmp_path / "in", 3)
    (tmp_path / "pool.toml").write_text(
        label_fakes.config_text("in/*.png", "out", methods=("tblur",), max_group_size=1)
    )
    assert load_config(tmp_path / "pool.toml", limit=2).limit == 2
    with pytest.raises(LabelConfigError, match="--limit must be at least 1"):
        load_config(tmp_path / "pool.toml", limit=0)
    result = CliRunner().invoke(cli, ["label", "pool.toml", "--dry-run", "--limit", "2"])
    assert result.exit_code == 0, result.output
    assert "images: 2 from in/*.png" in result.output
    (tmp_path / "ids.txt").write_text("img000\n")
    (tmp_path / "listed.toml").write_text(
        'ids = "ids.txt"\n' + label_fakes.config_text("in/*.png", "out", methods=("tblur",), max_group_size=1)
    )
    result = CliRunner().invoke(cli, ["label", "listed.toml", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "images: 1 from in/*.png, named in ids.txt" in result.output


def test_dry_run_prints_groups_and_work(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    label_fakes.make_images(tmp_path / "in", 3)
    (tmp_path / "pool.toml").write_text(
        label_fakes.config_text("in/*.png", "out", methods=("tblur", "tbright", "tposter", "tflip"), quality="[30, 60]")
    )
    result = CliRunner().invoke(cli, ["label", "pool.toml", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "groups: 17 = identity + 4 of 1 + 12 of 2 (permutations, K=2)" in result.output
    assert "  17  tflip>tposter" in result.output
    assert (
        "work: 102 (image, group, quality) evaluations; 48 method applications with prefix sharing "
        "(16 per image; naive: 28 per image)" in result.output
    )
    assert not (tmp_path / "out").exists()


def test_dry_run_fails_fast_on_an_unknown_plugin(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    label_fakes.make_images(tmp_path / "in", 1)
    (tmp_path / "pool.toml").write_text(label_fakes.config_text("in/*.png", "out", methods=("tblur", "nosuch")))
    result = CliRunner().invoke(cli, ["label", "pool.toml", "--dry-run"])
    assert isinstance(result.exception, LabelConfigError)
    assert "Unknown method 'nosuch'" in str(result.exception)
