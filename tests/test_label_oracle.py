"""The label-oracle script: re-ranks a manifest's groups under other score weights and totals the winners."""

from __future__ import annotations

import json
import runpy
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "label_oracle.py"
METRICS = [{"label": "q", "weight": 1.0, "higher_is_better": True}]


@pytest.fixture(scope="module")
def script():
    return SimpleNamespace(**runpy.run_path(str(SCRIPT)))  # the script's functions, without running main()


def group(name: str, n_bytes: int, quality: float) -> dict:
    return {"group": name, "bytes": n_bytes, "bpp": n_bytes / 1000, "quality": {"q": quality}}


# one photo: "sharp" keeps quality at a small saving, "smooth" saves more bits and loses quality;
# Z(q) = 0.51, 0.89, -1.40 and Z(bpp) = 0.89, 0.51, -1.40 for identity, sharp, smooth
ROWS = [
    {
        "results": [
            {
                "groups": [
                    group("identity", 1000, 50.0),
                    group("sharp", 950, 51.0),
                    group("smooth", 700, 45.0),
                    {"group": "broken", "error": "encode failed"},
                ]
            }
        ]
    }
]


def test_equal_weights_pick_the_quality_keeping_group(script):
    result = script.oracle(ROWS, METRICS, rate_weight=1.0)  # identity -0.38, sharp 0.38, smooth 0
    assert result["wins"] == {"sharp": 1}
    assert result["saving"] == pytest.approx(0.05)
    assert result["quality"]["q"] == {"identity": 50.0, "winners": 51.0}
    assert result["bpp"] == {"identity": pytest.approx(1.0), "winners": pytest.approx(0.95)}


def test_a_heavier_rate_weight_re_ranks_without_re_encoding(script):
    result = script.oracle(ROWS, METRICS, rate_weight=2.0)  # identity -1.27, sharp -0.13, smooth 1.40
    assert result["wins"] == {"smooth": 1} and result["saving"] == pytest.approx(0.3)


def test_a_lower_is_better_metric_flips_its_sign(script):
    result = script.oracle(ROWS, [dict(METRICS[0], higher_is_better=False)], rate_weight=1.0)
    assert result["wins"] == {"smooth": 1}  # identity -1.40, sharp -1.40, smooth 2.79


def test_command_line_reads_a_run_folder_and_writes_json(script, tmp_path, capsys):
    (tmp_path / "summary.json").write_text(json.dumps({"plan": {"metrics": METRICS, "rate_weight": 1.0}}))
    (tmp_path / "manifest.jsonl").write_text(json.dumps(ROWS[0]) + "\n")
    assert (
        script.main([str(tmp_path), "--rate-weight", "1", "--rate-weight", "2", "--json", str(tmp_path / "o.json")])
        == 0
    )
    out = capsys.readouterr().out
    assert "5.0% smaller" in out and "30.0% smaller" in out
    assert "mean bpp: untouched 1.000, winners 0.950" in out and "winners 0.700" in out
    assert [r["wins"] for r in json.loads((tmp_path / "o.json").read_text())] == [{"sharp": 1}, {"smooth": 1}]


def test_a_missing_run_is_a_clear_error(script, tmp_path, capsys):
    assert script.main([str(tmp_path / "nowhere")]) == 2
    assert "cannot read the labelling run" in capsys.readouterr().err


# -- the oracle method: a labelling run's winners as a pre-processing the bench can measure ---------


@pytest.fixture
def oracle_method(monkeypatch):
    monkeypatch.syspath_prepend(str(SCRIPT.parent))
    import label_oracle_method

    return label_oracle_method


def test_the_oracle_method_reproduces_each_winner_under_the_bench(oracle_method, tmp_path, monkeypatch):
    """Label three photos, then bench `oracle:` on them: at the labelling quality its files are the
    winners' files byte for byte, and a photo the run did not label is an error, not a pass-through."""
    from click.testing import CliRunner

    import label_fakes
    from kuchen_core import load_image
    from kuchen_core.cli import cli

    monkeypatch.chdir(tmp_path)
    label_fakes.make_images(tmp_path / "in", 3)
    (tmp_path / "pool.toml").write_text(
        label_fakes.config_text("in/*.png", "run", methods=("tblur", "tbright", "tposter"), metrics=("trough",))
    )
    labelled = CliRunner().invoke(cli, ["label", "pool.toml", "--jobs", "1", "--quiet"])
    assert labelled.exit_code == 0, labelled.output
    rows = [json.loads(line) for line in (tmp_path / "run" / "manifest.jsonl").read_text().splitlines()]
    winners = {
        row["image"]: next(g for g in row["results"][0]["groups"] if g["group"] == row["results"][0]["winner"])
        for row in rows
    }
    assert {g["group"] for g in winners.values()} != {"identity"}  # the bound is about something

    benched = CliRunner().invoke(
        cli,
        [
            "bench",
            "-i",
            "in",
            "--codecs",
            "tjpeg",
            "-q",
            "40",
            "--ladder",
            "20,40,60",
            "--pre",
            "none,oracle:run",
            "--metrics",
            "trough",
            "--plugin-module",
            "label_fakes",
            "--plugin-module",
            "label_oracle_method",
            "--crops",
            "0",
            "--jobs",
            "1",
            "--quiet",
            "-o",
            "bench",
        ],
        catch_exceptions=False,
    )
    assert benched.exit_code == 0, benched.output
    for line in (tmp_path / "bench" / "results.jsonl").read_text().splitlines():
        row = json.loads(line)
        assert not row["errors"]
        at_40 = next(e for e in row["evaluations"] if e["pre"] == "oracle:run" and e["quality"] == 40)
        assert at_40["bytes"] == winners[row["image"]]["bytes"]
        assert at_40["scores"]["trough"] == pytest.approx(winners[row["image"]]["quality"]["trough"])

    method = oracle_method.LabelOracle(run="run")
    flipped = np.ascontiguousarray(load_image(tmp_path / "in" / "img000.png")[:, ::-1])
    with pytest.raises(ValueError, match="is not one of the 3 photos run labelled"):
        method.apply(flipped)
    with pytest.raises(ValueError, match="cannot read nowhere/manifest.jsonl"):
        oracle_method.LabelOracle(run="nowhere")
