"""``kuchen train`` with a ``[rate_distortion]`` table: originals only, through a codec's twin."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

torch = pytest.importorskip("torch")

from kuchen_core.testing import sample_photo  # noqa: E402
from kuchen_core.training import TrainConfigError, load_train_config, parse_train_config, train  # noqa: E402

RD = {"codec": "jpeg", "qualities": [20, 60], "lambda": 2.0, "distortion": {"ms-ssim": 0.8, "mae": 0.2}}


def write_rd_config(root: Path, steps: int = 30, extra: str = "", rd: str = "") -> Path:
    """Four 64×96 crops of the sample photo, a tiny dead-zone editor, the jpeg twin."""
    photos = root / "photos"
    photos.mkdir(parents=True)
    photo = sample_photo()
    for i in range(4):
        Image.fromarray(photo[8 * i : 8 * i + 64, 24 * i : 24 * i + 96]).save(photos / f"p{i}.png")
    config = root / "rd.toml"
    config.write_text(
        '[model]\nbackbone = "deadzone(width=8,layers=1)"\n'
        f'[data]\nsource = "images"\nimages = ["{photos}/*.png"]\nval_fraction = 0.25\n'
        '[rate_distortion]\ncodec = "jpeg"\nqualities = [20, 60]\nform = "relative"\nlambda = 0.7\n'
        f'distortion = {{ "ms-ssim" = 0.8, "mae" = 0.2 }}\nval_qualities = [30, 50]\n{rd}'
        "[train]\npatch_width = 48\npatch_height = 48\nstride = 16\nbatch = 4\nlr = 3e-3\nepochs = 1000\n"
        f'max_steps = {steps}\ncheckpoint_every = 10\nval_every = 10\nthreads = 1\nout = "{root / "run"}"\n{extra}'
    )
    return config


@pytest.mark.parametrize(
    "change, message",
    [
        ({"lambda": float("nan")}, "lambda must be a positive number"),
        ({"qualities": [60, 20]}, "qualities must be \\[low, high\\]"),
        ({"distortion": {}}, "distortion must map metric names"),
        ({"form": "square"}, "form must be one of linear, relative"),
        ({"bogus": 1}, "unknown key"),
    ],
)
def test_rate_distortion_config_errors_name_the_key(change, message):
    data = {
        "model": {"backbone": "deadzone"},
        "data": {"source": "images", "images": ["x/*.png"]},
        "rate_distortion": {**RD, **change},
        "train": {"patch_width": 64, "patch_height": 64, "stride": 32},
    }
    with pytest.raises(TrainConfigError, match=message):
        parse_train_config(data)


def test_rate_distortion_needs_originals_and_the_block_grid():
    base = {
        "model": {"backbone": "deadzone"},
        "data": {"source": "images", "images": ["x/*.png"]},
        "train": {"patch_width": 64, "patch_height": 64, "stride": 32},
    }
    with pytest.raises(TrainConfigError, match="goes with a \\[rate_distortion\\] table"):
        parse_train_config(base)
    with pytest.raises(TrainConfigError, match="patch_width = 60.*multiples of 16"):
        parse_train_config(
            {**base, "rate_distortion": RD, "train": {"patch_width": 60, "patch_height": 64, "stride": 32}}
        )


@pytest.mark.parametrize(
    "rd, message",
    [
        ('codec = "rd-jpeg"\n', "has no differentiable twin"),
        ('distortion = { "ssimulacra2" = 1.0 }\n', "has no differentiable loss form"),
    ],
)
def test_codecs_and_metrics_without_twins_are_refused(tmp_path, rd, message):
    path = write_rd_config(tmp_path, steps=2)
    text = path.read_text()
    key = rd.split(" ", 1)[0]
    text = "\n".join(line for line in text.splitlines() if not line.startswith(f"{key} ")) + "\n"
    path.write_text(text.replace("[rate_distortion]\n", f"[rate_distortion]\n{rd}"))
    with pytest.raises(TrainConfigError, match=message):
        train(load_train_config(path), quiet=True)


def test_the_objective_lowers_the_twins_bits_and_loss(tmp_path):
    summary = train(load_train_config(write_rd_config(tmp_path, steps=40)), quiet=True)
    best = summary["best"]
    assert best["rd_loss"] < best["loss_in"]  # better than leaving the photo alone, on held-out photos
    assert best["bpp_out"] < best["bpp_in"] and best["bpp_change"] < -0.01
    history = [json.loads(line) for line in (tmp_path / "run" / "history.jsonl").read_text().splitlines()]
    assert [h["step"] for h in history] == [10, 20, 30, 40]
    assert (tmp_path / "run" / "best.safetensors").is_file()
    record = json.loads((tmp_path / "run" / "best.json").read_text())
    assert record["training"]["rate_distortion"]["codec"] == "jpeg"


def test_a_rate_distortion_run_resumes_exactly(tmp_path):
    straight = tmp_path / "a"
    train(load_train_config(write_rd_config(straight, steps=20)), quiet=True)
    split = write_rd_config(tmp_path / "b", steps=20)
    train(load_train_config(split, {"max_steps": 10}), quiet=True)
    train(load_train_config(split), quiet=True)
    from safetensors.torch import load_file

    a = load_file(str(straight / "run" / "step-20" / "model.safetensors"))
    b = load_file(str(tmp_path / "b" / "run" / "step-20" / "model.safetensors"))
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_the_pre_editor_starts_almost_as_the_identity_on_the_codecs_grid():
    from kuchen_core import get_registry

    model = get_registry().create("backbone", "deadzone(width=8,layers=1)").build()
    proxy = get_registry().create("codec", "jpeg").proxy()
    x = torch.from_numpy(sample_photo()[:37, :53].copy()).permute(2, 0, 1).unsqueeze(0).float() / 255.0
    edited = model(x, *proxy.tables(torch.tensor([50.0])))
    assert edited.shape == x.shape and torch.isfinite(edited).all()
    assert (edited - x).abs().mean() < 1 / 255  # dead zones start near 0: pixels move by less than a level
    assert np.isfinite(edited.detach().numpy()).all()


def test_kuchen_show_says_which_plugins_offer_twins():
    from click.testing import CliRunner

    from kuchen_core.cli.main import cli

    def shown(kind: str, name: str) -> dict:
        result = CliRunner().invoke(cli, ["show", kind, name, "--json"])
        assert result.exit_code == 0, result.output
        return json.loads(result.output)

    assert shown("codec", "jpeg")["differentiable_twin"] and shown("metric", "ms-ssim")["differentiable_twin"]
    assert (
        not shown("codec", "jpegli")["differentiable_twin"]
        and not shown("metric", "ssimulacra2")["differentiable_twin"]
    )
    text = CliRunner().invoke(cli, ["show", "codec", "webp"]).output
    assert "differentiable twin (Codec.proxy)" in text
