"""The ``vqscore`` metric: its contract on a JPEG ladder, deterministic crops, the shipped weights'
record, and agreement with SSIMULACRA2 on CBSD68 photos it never saw."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image, ImageFilter

from kuchen_core import get_registry, load_image
from kuchen_core.testing import MetricContract, jpeg_ladder, sample_photo
from kuchen_plugin_vqscore.arch import VQNet
from kuchen_core.nn.checkpoint import CheckpointError
from kuchen_plugin_vqscore.network import WEIGHTS, load_network, save_network
from kuchen_plugin_vqscore.scoring import crop_starts, crops, predict

pytestmark = pytest.mark.usefixtures("torch_single_thread")

CBSD68 = Path(__file__).resolve().parents[3] / "benchmarks" / "cbsd68.txt"


def _listed() -> list[Path]:
    lines = [line.strip() for line in CBSD68.read_text().splitlines()]
    return [CBSD68.parent / line for line in lines if line and not line.startswith("#")]


needs_cbsd68 = pytest.mark.skipif(not _listed()[0].is_file(), reason="../shared/data/bsds500 is absent")


class TestVQScoreContract(MetricContract):
    spec = "vqscore"


def vqscore(**params):
    return get_registry().create("metric", "vqscore", **params)


@pytest.mark.parametrize(
    "side, crop, grid, expected",
    [
        (100, 192, 3, [0]),  # smaller than a crop: one window, the whole side
        (192, 192, 3, [0]),
        (321, 192, 3, [0, 128]),  # two windows reach both edges (129 rounds down to the 8-px grid)
        (512, 192, 3, [0, 160, 320]),
        (4000, 192, 3, [0, 1904, 3808]),  # never more than grid windows, however large
        (4000, 192, 1, [0]),
    ],
)
def test_crops_start_on_the_jpeg_grid_and_spread_over_the_image(side, crop, grid, expected):
    starts = crop_starts(side, crop, grid)
    assert starts == expected
    assert all(s % 8 == 0 and s + min(crop, side) <= side for s in starts)


def test_crops_are_equal_sized_windows_of_the_image():
    image = np.random.default_rng(0).integers(0, 256, (321, 481, 3), dtype=np.uint8)
    windows = crops(image, 192, 3)
    assert windows.shape == (6, 192, 192, 3)
    assert np.array_equal(windows[0], image[:192, :192]) and np.array_equal(windows[-1], image[128:320, 288:480])


def test_images_below_one_token_are_refused_clearly():
    with pytest.raises(ValueError, match="at least 16×16 pixels, got 15×40"):
        vqscore().score(np.zeros((40, 15, 3), np.uint8))


def test_the_score_ignores_a_reference_and_is_deterministic():
    photo = sample_photo()
    metric = vqscore()
    first = metric.score(photo)
    assert metric.score(photo, np.zeros_like(photo)) == first == vqscore().score(photo.copy())


def test_grid_one_scores_the_top_left_window_only():
    photo = np.asarray(Image.fromarray(sample_photo()).resize((400, 300)))
    net, record = load_network(WEIGHTS)
    batch = torch.from_numpy(photo[:192, :192].copy()).permute(2, 0, 1)[None].float() / 255
    with torch.inference_mode():
        expected = float(net(batch).clamp(0, 100))
    assert vqscore(grid=1).score(photo) == pytest.approx(expected, abs=1e-4)
    assert record["crop"] == 192


def test_blur_and_noise_lower_the_score():
    photo = sample_photo()
    blurred = np.asarray(Image.fromarray(photo).filter(ImageFilter.GaussianBlur(2.5)))
    noisy = np.clip(photo + np.random.default_rng(0).normal(0, 20, photo.shape), 0, 255).astype(np.uint8)
    metric = vqscore()
    clean = metric.score(photo)
    assert metric.score(blurred) < clean - 10 and metric.score(noisy) < clean - 10


def test_own_weights_load_through_the_weights_parameter(tmp_path):
    net = VQNet(width=4, dim=8, layers=1, heads=2)
    path = tmp_path / "mine.safetensors"
    save_network(path, net, {"arch": {"width": 4, "dim": 8, "layers": 1, "heads": 2}, "crop": 64})
    metric = vqscore(weights=str(path))
    assert metric.score(sample_photo()) == pytest.approx(predict(net.eval(), sample_photo(), 64, 3), abs=1e-4)
    path.with_suffix(".json").unlink()
    load_network.cache_clear()
    with pytest.raises(CheckpointError, match="mine.json: checkpoint metadata not found"):
        vqscore(weights=str(path)).score(sample_photo())


def test_shipped_weights_come_with_their_record():
    record = json.loads(WEIGHTS.with_suffix(".json").read_text())
    header_size = int.from_bytes(WEIGHTS.read_bytes()[:8], "little")
    header = json.loads(WEIGHTS.read_bytes()[8 : 8 + header_size])
    names = {k for k in header if k != "__metadata__"}
    assert names == set(VQNet(**record["arch"]).state_dict())
    training = record["training"]
    assert training["command"].startswith("python plugins/kuchen-plugin-vqscore/training/train.py")
    assert len(training["data_sha256"]) == 64 and training["train_crops"] > 0
    assert set(record["validation_cbsd68"]) >= {"spearman", "pearson", "ladder_rising", "ms_per_512x512"}


def test_library_versions_name_the_weights():
    versions = vqscore().library_versions()
    assert versions["weights"] == json.loads(WEIGHTS.with_suffix(".json").read_text())["weights_sha256"][:16]


@needs_cbsd68
def test_it_ranks_like_ssimulacra2_on_unseen_cbsd68_photos():
    """A small replay of the README's validation: four CBSD68 photos under codecs and filters."""
    ssimulacra2, metric = get_registry().create("metric", "ssimulacra2"), vqscore()
    webp = get_registry().create("codec", "webp")
    ours, theirs = [], []
    for path in _listed()[:4]:
        photo = load_image(path)
        variants = jpeg_ladder(photo, (10, 30, 60, 90)) + [
            webp.decode(webp.encode(photo, 20)),
            np.asarray(Image.fromarray(photo).filter(ImageFilter.GaussianBlur(1.5))),
        ]
        ours += [metric.score(image) for image in variants]
        theirs += [float(np.clip(ssimulacra2.score(image, photo), 0, 100)) for image in variants]
    rank = lambda v: np.argsort(np.argsort(v))  # noqa: E731
    assert np.corrcoef(rank(ours), rank(theirs))[0, 1] > 0.9
    # on SSIMULACRA2's own scale, not only in order: 4.4 points off on average here (the first
    # weights, trained on crop scores, were 15.3 off, rating the blur about 30 points too high)
    assert np.mean(np.abs(np.array(ours) - np.array(theirs))) < 8


@needs_cbsd68
def test_the_score_rises_along_jpeg_ladders_of_cbsd68_photos():
    metric, rising, pairs = vqscore(), 0, 0
    for path in _listed()[:4]:
        scores = [metric.score(image) for image in jpeg_ladder(load_image(path), (10, 30, 50, 70, 90))]
        rising += sum(b > a for a, b in zip(scores, scores[1:]))
        pairs += len(scores) - 1
    assert rising / pairs >= 0.9


def test_importing_the_plugin_does_not_import_torch():
    code = "import sys, kuchen_plugin_vqscore; kuchen_plugin_vqscore.VQScoreMetric(); print('torch' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
