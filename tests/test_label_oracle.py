"""The label-oracle script: re-ranks a manifest's groups under other score weights and totals the winners."""
from __future__ import annotations

import json
import runpy
from pathlib import Path
from types import SimpleNamespace

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
ROWS = [{"results": [{"groups": [
    group("identity", 1000, 50.0),
    group("sharp", 950, 51.0),
    group("smooth", 700, 45.0),
    {"group": "broken", "error": "encode failed"},
]}]}]


def test_equal_weights_pick_the_quality_keeping_group(script):
    result = script.oracle(ROWS, METRICS, rate_weight=1.0)  # identity -0.38, sharp 0.38, smooth 0
    assert result["wins"] == {"sharp": 1}
    assert result["saving"] == pytest.approx(0.05)
    assert result["quality"]["q"] == {"identity": 50.0, "winners": 51.0}


def test_a_heavier_rate_weight_re_ranks_without_re_encoding(script):
    result = script.oracle(ROWS, METRICS, rate_weight=2.0)  # identity -1.27, sharp -0.13, smooth 1.40
    assert result["wins"] == {"smooth": 1} and result["saving"] == pytest.approx(0.3)


def test_a_lower_is_better_metric_flips_its_sign(script):
    result = script.oracle(ROWS, [dict(METRICS[0], higher_is_better=False)], rate_weight=1.0)
    assert result["wins"] == {"smooth": 1}  # identity -1.40, sharp -1.40, smooth 2.79


def test_command_line_reads_a_run_folder_and_writes_json(script, tmp_path, capsys):
    (tmp_path / "summary.json").write_text(json.dumps({"plan": {"metrics": METRICS, "rate_weight": 1.0}}))
    (tmp_path / "manifest.jsonl").write_text(json.dumps(ROWS[0]) + "\n")
    assert script.main([str(tmp_path), "--rate-weight", "1", "--rate-weight", "2", "--json", str(tmp_path / "o.json")]) == 0
    out = capsys.readouterr().out
    assert "5.0% smaller" in out and "30.0% smaller" in out
    assert [r["wins"] for r in json.loads((tmp_path / "o.json").read_text())] == [{"sharp": 1}, {"smooth": 1}]


def test_a_missing_run_is_a_clear_error(script, tmp_path, capsys):
    assert script.main([str(tmp_path / "nowhere")]) == 2
    assert "cannot read the labelling run" in capsys.readouterr().err
