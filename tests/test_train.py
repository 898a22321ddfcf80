"""``kuchen train``: config validation, pair sources, checkpoints, resume after SIGKILL, DDP."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import attrs
import numpy as np
import pytest
from PIL import Image

torch = pytest.importorskip("torch")

from kuchen_core.nn import load_checkpoint  # noqa: E402
from kuchen_core.testing import sample_photo  # noqa: E402
from kuchen_core.training import TrainConfigError, load_train_config, parse_train_config, train  # noqa: E402

TESTS = Path(__file__).parent
BIN = Path(sys.executable).parent


def make_pairs(root: Path, count: int = 4, size: tuple[int, int] = (48, 64)) -> tuple[Path, Path]:
    """Noisy inputs and their clean targets, cut from the shipped sample photo."""
    photo = sample_photo()
    inputs, targets = root / "in", root / "out"
    inputs.mkdir(parents=True)
    targets.mkdir()
    rng = np.random.default_rng(0)
    for i in range(count):
        clean = photo[10 * i : 10 * i + size[0], 12 * i : 12 * i + size[1]]
        noisy = np.clip(clean + rng.normal(0, 12, clean.shape), 0, 255).astype(np.uint8)
        Image.fromarray(clean).save(targets / f"p{i}.png")
        Image.fromarray(noisy).save(inputs / f"p{i}.png")
    return inputs, targets


def write_config(root: Path, extra: str = "", steps: int = 12, checkpoint_every: int = 4) -> Path:
    inputs, targets = make_pairs(root / "data")
    config = root / "train.toml"
    config.write_text(
        f'[model]\nbackbone = "tiny(features=4)"\nplugin_modules = ["nn_fakes"]\n'
        f'[data]\nsource = "pairs"\ninputs = "{inputs}"\ntargets = "{targets}"\nval_fraction = 0.25\n'
        f"[train]\npatch_width = 32\npatch_height = 24\nstride = 16\nbatch = 2\nlr = 1e-3\nepochs = 100\n"
        f"max_steps = {steps}\ncheckpoint_every = {checkpoint_every}\nval_every = 6\nthreads = 1\n"
        f'out = "{root / "run"}"\n{extra}'
    )
    return config


def test_config_defaults_are_the_papers():
    config = parse_train_config(
        {"model": {"backbone": "unet"}, "data": {"source": "pairs", "inputs": "a", "targets": "b"}}
    )
    assert (config.patch_width, config.patch_height, config.stride) == (320, 180, 160)
    assert (config.batch, config.lr, config.loss) == (4, 1e-4, "mse")


@pytest.mark.parametrize(
    "data, message",
    [
        ({"model": {"backbone": "unet"}, "data": {"source": "web"}}, "source must be one of"),
        ({"model": {"backbone": "unet"}, "data": {"source": "codec", "images": "x"}}, "needs codec, qualities"),
        ({"model": {}, "data": {"source": "pairs"}}, "backbone is required"),
        (
            {
                "model": {"backbone": "unet"},
                "data": {"source": "pairs", "inputs": "a", "targets": "b"},
                "train": {"batchsize": 3},
            },
            "unknown key",
        ),
        (
            {
                "model": {"backbone": "unet"},
                "data": {"source": "pairs", "inputs": "a", "targets": "b"},
                "train": {"batch": 0},
            },
            "batch must be a positive integer",
        ),
        (
            {
                "model": {"backbone": "unet"},
                "data": {"source": "pairs", "inputs": "a", "targets": "b"},
                "train": {"loss": "ssim"},
            },
            "loss must be one of",
        ),
        (
            {
                "model": {"backbone": "unet"},
                "data": {"source": "pairs", "inputs": "a", "targets": "b", "val": {"source": "pairs", "input": "c"}},
            },
            r"unknown key\(s\) input in \[data.val\]",
        ),
        (
            {
                "model": {"backbone": "unet"},
                "data": {"source": "pairs", "inputs": "a", "targets": "b"},
                "train": {"device": 0},
            },
            r"\[train\] device must be a str, got 0",
        ),
        (
            {
                "model": {"backbone": "unet"},
                "data": {"source": "images", "images": "x"},
                "rate_distortion": {"codec": "jpeg", "qualities": [20, 60]},
            },
            r"\[rate_distortion\] needs lambda, distortion",
        ),
    ],
)
def test_config_errors_name_the_key(data, message):
    with pytest.raises(TrainConfigError, match=message):
        parse_train_config(data)


def test_training_lowers_the_loss_and_writes_a_usable_checkpoint(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(TESTS))
    config = load_train_config(write_config(tmp_path, steps=30))
    summary = train(config, quiet=True)
    run = tmp_path / "run"
    history = [json.loads(line) for line in (run / "history.jsonl").read_text().splitlines()]
    assert summary["steps"] == 30 and [h["step"] for h in history] == [6, 12, 18, 24, 30]
    assert history[-1]["loss"] < history[0]["loss"]
    assert history[-1]["psnr_out"] > history[0]["psnr_out"]  # validation improves as it learns
    meta = json.loads((run / "best.json").read_text())
    assert meta["backbone"] == "tiny(features=4)" and len(meta["data_hash"]) == 64
    assert meta["validation"]["psnr_out"] == max(h["psnr_out"] for h in history)
    assert meta["training"]["lr"] == 1e-3
    from kuchen_core.runtime.provenance import plugin_registry
    from kuchen_core.registry import use_registry

    with use_registry(plugin_registry(["nn_fakes"])):
        assert load_checkpoint(run / "best.safetensors").backbone == "tiny(features=4)"


def test_resume_continues_exactly_where_it_stopped(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(TESTS))
    straight = load_train_config(write_config(tmp_path / "a", steps=12))
    train(straight, quiet=True)
    split = write_config(tmp_path / "b", steps=12)
    train(load_train_config(split, {"max_steps": 8}), quiet=True)
    assert json.loads((tmp_path / "b" / "run" / "summary.json").read_text())["steps"] == 8
    train(load_train_config(split), quiet=True)
    a = _final_weights(tmp_path / "a" / "run")
    b = _final_weights(tmp_path / "b" / "run")
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_resume_refuses_a_different_config(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(TESTS))
    path = write_config(tmp_path, steps=4)
    train(load_train_config(path), quiet=True)
    with pytest.raises(TrainConfigError, match="different config"):
        train(load_train_config(path, {"lr": 5e-3}), quiet=True)


def test_sigkill_then_rerun_finishes_from_the_last_snapshot(tmp_path):
    config = write_config(tmp_path, steps=400, checkpoint_every=5)
    env = {**os.environ, "PYTHONPATH": str(TESTS)}
    command = [str(BIN / "kuchen"), "train", str(config), "--quiet"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    pointer = tmp_path / "run" / "LATEST"
    deadline = time.time() + 120
    while time.time() < deadline and not (pointer.exists() and int(pointer.read_text().split("-")[1]) >= 15):
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    killed_at = int(pointer.read_text().split("-")[1])
    assert 15 <= killed_at < 400
    done = subprocess.run(command + ["--json"], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1])["steps"] == 400
    assert f"resuming from step {killed_at}" in done.stdout
    history = [json.loads(line)["step"] for line in (tmp_path / "run" / "history.jsonl").read_text().splitlines()]
    assert history == sorted(set(history)) and history[-1] == 400


@pytest.mark.skipif(not shutil.which("torchrun", path=str(BIN)), reason="torchrun not installed")
def test_torchrun_ddp_with_two_cpu_processes(tmp_path):
    config = write_config(tmp_path, steps=6, checkpoint_every=3)
    env = {**os.environ, "PYTHONPATH": str(TESTS), "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        [
            str(BIN / "torchrun"),
            "--standalone",
            "--nproc_per_node=2",
            str(BIN / "kuchen"),
            "train",
            str(config),
            "--quiet",
            "--json",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["processes"] == 2 and summary["steps"] == 6
    assert (tmp_path / "run" / "best.safetensors").is_file()


def _final_weights(run: Path) -> dict:
    from safetensors.torch import load_file

    return load_file(str(run / (run / "LATEST").read_text().strip() / "model.safetensors"))


def test_codec_pairs_are_decoded_in_original_out(tmp_path, kuchen_register):
    from fake_plugins import GoodPlugin

    from kuchen_core.training import DataConfig, load_pairs

    kuchen_register(GoodPlugin())
    inputs, targets = make_pairs(tmp_path)
    (tmp_path / "ids.txt").write_text("somewhere/p0.jpg\np2.png\n")
    config = DataConfig(
        source="codec",
        images=(str(targets / "*.png"),),
        ids=str(tmp_path / "ids.txt"),
        codec="fakejpeg",
        qualities=(10, 90),
    )
    found = load_pairs(config)
    assert [p.name for p in found.pairs] == ["p0@fakejpeg10", "p0@fakejpeg90", "p2@fakejpeg10", "p2@fakejpeg90"]
    clean = np.asarray(Image.open(targets / "p0.png"))
    np.testing.assert_array_equal(found.pairs[0].target, clean)
    from kuchen_core.training.objectives import psnr

    assert psnr(found.pairs[0].input, clean) < psnr(found.pairs[1].input, clean) < 100
    again = load_pairs(config)
    assert again.data_hash == found.data_hash
    assert (
        load_pairs(DataConfig(source="codec", images=config.images, codec="fakejpeg", qualities=(10,))).data_hash
        != found.data_hash
    )
    with pytest.raises(TrainConfigError, match="cannot read the id list .*nosuch.txt"):
        load_pairs(attrs.evolve(config, ids=str(tmp_path / "nosuch.txt")))


def test_manifest_pairs_are_original_in_label_out(tmp_path, monkeypatch):
    from kuchen_core.training import DataConfig, load_pairs

    inputs, targets = make_pairs(tmp_path / "data")
    run = tmp_path / "label-run"
    (run / "labels" / "q40").mkdir(parents=True)
    shutil.copy(targets / "p1.png", run / "labels" / "q40" / "p1.png")
    rows = [
        {"image": str(inputs / "p1.png"), "results": [{"quality": 40, "label": "labels/q40/p1.png"}]},
        {"image": str(inputs / "p2.png"), "results": [{"quality": 40, "label": None}]},
    ]
    (run / "manifest.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    found = load_pairs(DataConfig(source="manifest", manifest=str(run / "manifest.jsonl")))
    assert [p.name for p in found.pairs] == ["p1@40"]  # a failed image (no label) is not a pair
    np.testing.assert_array_equal(found.pairs[0].input, np.asarray(Image.open(inputs / "p1.png")))
    with pytest.raises(TrainConfigError, match="no such manifest"):
        load_pairs(DataConfig(source="manifest", manifest=str(tmp_path / "none.jsonl")))


def test_pairs_with_no_target_are_refused(tmp_path):
    from kuchen_core.training import DataConfig, load_pairs

    inputs, targets = make_pairs(tmp_path)
    (targets / "p3.png").unlink()
    with pytest.raises(TrainConfigError, match="no target for p3.png"):
        load_pairs(DataConfig(source="pairs", inputs=str(inputs), targets=str(targets)))
