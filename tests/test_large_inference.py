"""Tiled inference with the real backbones: seams match a whole-image pass, and a 24 MP photo
stays under 4 GiB on the CPU (slow; needs ../shared/data)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from kuchen_core import get_registry  # noqa: E402
from kuchen_core.nn import run_tiled  # noqa: E402
from kuchen_core.testing import sample_photo  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
HR = ROOT.parent / "shared" / "data" / "unsplash_hr"


pytestmark = pytest.mark.usefixtures("torch_single_thread")


def perturbed(spec: str):
    """A backbone whose zero-initialised output layer is perturbed, so it is not the identity."""
    torch.manual_seed(0)
    model = get_registry().create("backbone", spec).build().eval()
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.01)
    return model


@pytest.mark.parametrize(
    "spec", ["unet(width=16)", "rrdb(features=16,growth=8)", "rrdb(features=16,growth=8,unshuffle=2)"]
)
def test_tiled_output_matches_the_whole_image_pass(spec):
    if spec.split("(")[0] not in get_registry().names("backbone"):
        pytest.skip(f"{spec} is not installed")
    model = perturbed(spec)
    photo = sample_photo()
    whole = run_tiled(model, photo, tile=1024, overlap=0)
    tiled = run_tiled(model, photo, tile=64, overlap=32)
    assert not np.array_equal(whole, photo)
    assert np.abs(whole.astype(int) - tiled.astype(int)).max() <= 1


@pytest.mark.slow
@pytest.mark.skipif(not HR.is_dir(), reason="../shared/data/unsplash_hr is absent")
@pytest.mark.parametrize("spec", ["unet", "rrdb(blocks=2)"])
def test_a_24_megapixel_photo_runs_under_4_gib(spec):
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "inference.py"),
            "--memory-only",
            "--backbones",
            spec,
            "--threads",
            "2",
            "--json",
            "/dev/stdout",
        ],
        capture_output=True,
        text=True,
        timeout=3600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout[done.stdout.index("{\n") :])
    row = next(r for r in report["memory"] if r["spec"] == spec)
    assert row["megapixels"] > 20 and row["peak_rss_gib"] < 4.0
