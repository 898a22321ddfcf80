"""Issue 19, items 7-9 and 11: hostile or broken checkpoints and training settings are refused in
one line before any work; a damaged training snapshot falls back to the one before it.
See the Guarantees section of docs/architecture.md."""

from __future__ import annotations

import json

import pytest

torch = pytest.importorskip("torch")

import nn_fakes  # noqa: E402
from kuchen_core.nn import load_checkpoint, save_checkpoint, sidecar_path  # noqa: E402
from kuchen_core.nn.checkpoint import CheckpointError  # noqa: E402
from kuchen_core.training import load_train_config, train  # noqa: E402
from test_train import TESTS, write_config  # noqa: E402


# -- item 7: the declared network is checked against the file before it is built ----------------


def test_a_sidecar_naming_another_network_is_refused_before_building_it(tiny, tmp_path):
    path = save_checkpoint(tmp_path / "a", tiny.build(), tiny.spec)
    sidecar_path(path).write_text(json.dumps({"format": "kuchen-checkpoint/1", "backbone": "tinycount(features=512)"}))
    nn_fakes.REAL_BUILDS.clear()
    with pytest.raises(CheckpointError, match=r"do not fit backbone .*223 parameters in 4 tensors.* 28,163 in 4"):
        load_checkpoint(path)
    assert nn_fakes.REAL_BUILDS == []  # today: the network is built (in real memory) before the comparison
    sidecar_path(path).write_text(json.dumps({"format": "kuchen-checkpoint/1", "backbone": "tinycount(features=4)"}))
    assert load_checkpoint(path).backbone == "tinycount(features=4)" and len(nn_fakes.REAL_BUILDS) == 1


def test_a_truncated_weight_file_is_named_without_loading_it(tiny, tmp_path):
    path = save_checkpoint(tmp_path / "a", tiny.build(), tiny.spec)
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(CheckpointError, match="truncated or damaged"):
        load_checkpoint(path)


# -- item 8: non-finite weights are refused -----------------------------------------------------


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_non_finite_weights_are_refused_naming_the_file(tiny, tmp_path, value):
    model = tiny.build()
    with torch.no_grad():
        model.body[0].weight[0, 0, 0, 0] = value
    path = save_checkpoint(tmp_path / "bad", model, tiny.spec)
    with pytest.raises(CheckpointError, match=r"bad\.safetensors: tensor body\.0\.weight holds non-finite"):
        load_checkpoint(path)


# -- item 9: a damaged snapshot falls back to the one before it ---------------------------------


def test_a_truncated_snapshot_resumes_from_the_one_before(tmp_path, monkeypatch, capsys):
    monkeypatch.syspath_prepend(str(TESTS))
    config = write_config(tmp_path, steps=8, checkpoint_every=4)
    train(load_train_config(config), quiet=True)
    run = tmp_path / "run"
    assert sorted(p.name for p in run.glob("step-*")) == ["step-4", "step-8"]  # the one before is kept
    weights = run / "step-8" / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:100])
    capsys.readouterr()
    summary = train(load_train_config(config, {"max_steps": 12}), quiet=True)
    out = capsys.readouterr().out
    assert summary["steps"] == 12
    damaged = [line for line in out.splitlines() if "is damaged" in line]
    assert len(damaged) == 1 and "step-8" in damaged[0] and "truncated" in damaged[0]
    assert "resuming from step 4" in out


def test_no_usable_snapshot_is_one_line_and_exit_2(tmp_path, monkeypatch, console):
    monkeypatch.syspath_prepend(str(TESTS))
    config = write_config(tmp_path, steps=4, checkpoint_every=4)
    train(load_train_config(config), quiet=True)
    for weights in (tmp_path / "run").glob("step-*/model.safetensors"):
        weights.write_bytes(weights.read_bytes()[:100])
    code, captured = console("train", config, "--max-steps", "8", "--quiet")
    assert code == 2 and "Traceback" not in captured.err
    errors = captured.err.strip().splitlines()
    assert len(errors) == 1 and "no usable snapshot" in errors[0] and "step-4" in errors[0]


# -- item 11: the backbone spec and every number are checked before any work -------------------


@pytest.mark.parametrize(
    "edit, option, message",
    [
        (("tiny(features=4)", "tiny(features=abc)"), (), "expects int, got 'abc'"),
        (("tiny(features=4)", "tiny(zz=1)"), (), "unknown parameter(s) zz"),
        (("lr = 1e-3", "lr = nan"), (), "lr must be a positive number, got nan"),
        (("lr = 1e-3", 'lr = "fast"'), (), "lr must be a positive number"),
        (("batch = 2", "batch = true"), (), "batch must be a positive integer"),
        (None, ("--device", "tpu"), "device 'tpu' is not one of"),
        (None, ("--device", "cuda"), "sees 0 such device(s)"),
    ],
    ids=["spec-value", "spec-key", "lr-nan", "lr-text", "batch-bool", "tpu", "cuda-without-cuda"],
)
def test_train_settings_are_checked_before_any_work(tmp_path, monkeypatch, console, edit, option, message):
    monkeypatch.syspath_prepend(str(TESTS))
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 0)  # this machine has no CUDA, whatever it has
    config = write_config(tmp_path)
    if edit:
        config.write_text(config.read_text().replace(*edit))
    code, captured = console("train", config, "--quiet", *option)
    assert code == 2 and "Traceback" not in captured.err, captured
    errors = captured.err.strip().splitlines()
    assert len(errors) == 1 and message in errors[0]
    assert not (tmp_path / "run").exists()  # nothing started
