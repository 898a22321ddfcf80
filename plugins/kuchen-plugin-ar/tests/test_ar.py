"""The ``arnet`` backbone and the shipped ``ar`` artifact-removal method."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from kuchen_core import encode_and_measure, get_registry, load_image
from kuchen_core.testing import BackboneContract, MethodContract, psnr, sample_photo
from kuchen_plugin_ar.method import WEIGHTS


pytestmark = pytest.mark.usefixtures("torch_single_thread")


class TestArNetContract(BackboneContract):
    spec = "arnet(features=8,layers=3)"


class TestArContract(MethodContract):
    spec = "ar"


CBSD68 = Path(__file__).resolve().parents[3] / "benchmarks" / "cbsd68.txt"


def _listed() -> list[Path]:
    lines = [line.strip() for line in CBSD68.read_text().splitlines()]
    return [CBSD68.parent / line for line in lines if line and not line.startswith("#")]


def test_an_untrained_arnet_is_the_identity_on_odd_sizes():
    model = get_registry().create("backbone", "arnet(features=8,layers=3)").build().eval()
    x = torch.rand(2, 3, 9, 15)
    with torch.no_grad():
        assert torch.equal(model(x), x)


def test_arnet_works_at_half_resolution():
    model = get_registry().create("backbone", "arnet(features=8,layers=4)").build()
    convs = [m for m in model.modules() if isinstance(m, torch.nn.Conv2d)]
    assert len(convs) == 4 and convs[0].in_channels == 12 and convs[-1].out_channels == 12


def test_shipped_weights_come_with_their_record():
    meta = json.loads(WEIGHTS.with_suffix(".json").read_text())
    assert meta["backbone"].startswith("arnet(")
    assert meta["data"]["codec"] == "jpeg" and meta["validation"]["gain_db"] > 0
    assert len(meta["data_hash"]) == 64


@pytest.mark.parametrize("quality", [20, 40])
def test_ar_raises_psnr_of_jpeg_decoded_photos(quality):
    photo = sample_photo()
    jpeg = get_registry().create("codec", "jpeg")
    decoded = encode_and_measure(photo, jpeg, quality).decoded
    restored = get_registry().create("method", "ar").apply(decoded)
    assert psnr(restored, photo) > psnr(decoded, photo) + 0.2


@pytest.mark.skipif(not CBSD68.is_file() or not _listed()[0].is_file(), reason="../shared/data/bsds500 is absent")
def test_ar_does_not_lower_psnr_at_quality_90_on_cbsd68():
    jpeg, ar = get_registry().create("codec", "jpeg"), get_registry().create("method", "ar")
    gains = []
    for path in _listed()[:8]:
        photo = load_image(path)
        decoded = encode_and_measure(photo, jpeg, 90).decoded
        gains.append(psnr(ar.apply(decoded), photo) - psnr(decoded, photo))
    assert np.mean(gains) > 0


def test_importing_the_plugin_does_not_import_torch():
    code = "import sys, kuchen_plugin_ar; kuchen_plugin_ar.ArtifactRemoval(); print('torch' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
