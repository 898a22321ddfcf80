"""``training/make_dataset.py``: every training crop carries the SSIMULACRA2 of its whole distorted
photo — the score the metric's mean over crops is compared with — not the crop's own."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pytest

from kuchen_core import get_registry, load_image
from kuchen_core.testing import sample_photo

TRAINING = Path(__file__).resolve().parents[1] / "training"
sys.path.insert(0, str(TRAINING))
import make_dataset  # noqa: E402


@pytest.fixture
def photo_file(tmp_path: Path) -> Path:
    path = tmp_path / "sample.png"
    from PIL import Image

    Image.fromarray(sample_photo()).save(path)
    return path


def test_training_crops_are_labelled_with_their_whole_photos_score(photo_file, monkeypatch):
    # Only codecs, so the test stays fast and every version is a real bitstream's decode.
    monkeypatch.setattr(make_dataset, "KINDS", (("jpeg", 1), ("webp", 1)))
    args = argparse.Namespace(seed=0, per_image=3, crops=2, crop=64)
    record = make_dataset.train_record(photo_file, args)
    original = load_image(photo_file)
    ssimulacra2 = get_registry().create("metric", "ssimulacra2")

    assert record["crops"].shape == (6, 64, 64, 3)
    assert record["names"][0] == record["names"][1] == "original"
    assert record["targets"][0] == record["targets"][1] == 100.0
    for first in (2, 4):
        name = str(record["names"][first])
        codec, quality = name.split("(q=")
        version = make_dataset.codec_pass(original, codec, int(quality.rstrip(")")))
        whole = float(np.clip(ssimulacra2.score(version, original), 0.0, 100.0))
        assert record["targets"][first] == record["targets"][first + 1] == pytest.approx(whole, abs=1e-4)
        assert record["names"][first + 1] == name
        crop = record["crops"][first]
        # the crop is a window of that same version, on the 8-px grid
        hits = [
            (top, left)
            for top in range(0, version.shape[0] - 63, 8)
            for left in range(0, version.shape[1] - 63, 8)
            if np.array_equal(version[top : top + 64, left : left + 64], crop)
        ]
        assert hits
