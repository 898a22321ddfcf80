"""The rate-aware pre-editor: its contracts, its record, a standard JPEG out, fewer bytes at the
same quality, the tiled grid, and the cheap import."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from kuchen_core import get_registry
from kuchen_core.testing import BackboneContract, CodecContract, sample_photo
from kuchen_core.training import load_train_config
from kuchen_plugin_preedit.codec import WEIGHTS

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

TRAINING = Path(__file__).resolve().parents[1] / "training"
SHIPPED = WEIGHTS / "rd-jpeg.safetensors"

pytestmark = pytest.mark.usefixtures("torch_single_thread")


class TestRdJpegContract(CodecContract):
    spec = "rd-jpeg"


class TestDeadZoneContract(BackboneContract):
    spec = "deadzone(width=8,layers=1)"

    def test_backbone_contract(self) -> None:
        """The contract's forward(x) needs the quantiser here: check with the jpeg twin's steps."""
        import torch

        model = self.make().build().eval()
        steps = get_registry().create("codec", "jpeg").proxy().tables(torch.tensor([50.0]))
        for height, width in ((1, 1), (7, 13), (33, 65)):
            x = torch.rand(1, 3, height, width)
            with torch.no_grad():
                out = model(x, *steps)
                assert out.shape == x.shape and torch.isfinite(out).all() and torch.equal(out, model(x, *steps))


def test_shipped_weights_record_how_they_were_made():
    meta = json.loads(SHIPPED.with_suffix(".json").read_text())
    config = tomllib.loads((TRAINING / "rd-jpeg.toml").read_text())
    train = meta["training"]
    assert meta["backbone"] == get_registry().create("backbone", config["model"]["backbone"]).spec
    assert meta["data"]["source"] == "images" and len(meta["data_hash"]) == 64
    rd = train["rate_distortion"]
    assert rd["codec"] == config["rate_distortion"]["codec"] and rd["lmbda"] == config["rate_distortion"]["lambda"]
    assert (
        rd["form"] == config["rate_distortion"]["form"]
        and list(rd["qualities"]) == config["rate_distortion"]["qualities"]
    )
    for key in ("seed", "lr", "batch", "patch_width", "patch_height", "stride"):
        assert train[key] == config["train"][key], key
    assert meta["validation"]["rd_loss"] < meta["validation"]["loss_in"]


def test_the_file_is_a_standard_jpeg_smaller_than_the_stock_encoders_at_the_same_quality():
    photo = sample_photo()
    registry = get_registry()
    edited, stock = registry.create("codec", "rd-jpeg"), registry.create("codec", "jpeg")
    data = edited.encode(photo, 50)
    assert data[:3] == b"\xff\xd8\xff"
    assert len(data) < len(stock.encode(photo, 50))
    np.testing.assert_array_equal(edited.decode(data), stock.decode(data))


def test_tiles_do_not_change_the_result():
    """Tiles start on the 16-pixel grid, so a tiled pre-edit equals a whole-image one."""
    photo = np.concatenate([sample_photo()] * 2, axis=1)  # 137×384: several 64-pixel tiles
    whole = get_registry().create("codec", "rd-jpeg")
    tiled = get_registry().create("codec", "rd-jpeg")
    tiled.tile, tiled.overlap = 64, 32
    difference = np.abs(whole.pre_edit(photo, 40).astype(int) - tiled.pre_edit(photo, 40).astype(int))
    assert difference.max() <= 1  # float summation order at most: a rounding step here and there


def test_importing_the_plugin_does_not_import_torch():
    code = "import sys, kuchen_plugin_preedit; kuchen_plugin_preedit.RdJpegCodec(); print('torch' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


@pytest.mark.parametrize("path", sorted(TRAINING.glob("*.toml")), ids=lambda p: p.name)
def test_every_recorded_training_config_loads(path):
    config = load_train_config(path)
    assert config.rate_distortion is not None and config.rate_distortion.codec == "jpeg"
    assert Path(config.out).parent.name == "train"


def test_a_fresh_process_pre_edits():
    """The checkpoint check builds the network on torch's meta device, which is where a fresh process
    first imports the twins' module: nothing in it may become an empty meta tensor."""
    code = (
        "from kuchen_core import get_registry\nfrom kuchen_core.testing import sample_photo\n"
        "photo = sample_photo()\nedited = get_registry().create('codec', 'rd-jpeg').pre_edit(photo, 50)\n"
        "print(edited.shape == photo.shape and bool((edited != photo).any()))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "True"
