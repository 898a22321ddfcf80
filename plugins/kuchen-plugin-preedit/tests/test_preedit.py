"""The rate-aware pre-editors (rd-jpeg, rd-webp, rd-hevc): their contracts, their records, a
standard file out, fewer bytes at the same quality, the tiled grid, and the cheap import."""

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
STOCK = {"rd-jpeg": "jpeg", "rd-webp": "webp", "rd-hevc": "hevc"}  # each shipped network and the codec it fronts
MAGIC = {
    "jpeg": lambda data: data[:3] == b"\xff\xd8\xff",
    "webp": lambda data: data[8:12] == b"WEBP",
    "hevc": lambda data: data[4:8] == b"ftyp",
}

pytestmark = pytest.mark.usefixtures("torch_single_thread")


class TestRdJpegContract(CodecContract):
    spec = "rd-jpeg"


class TestRdWebpContract(CodecContract):
    spec = "rd-webp"


class TestRdHevcContract(CodecContract):
    spec = "rd-hevc"


class TestDeadZoneContract(BackboneContract):
    spec = "deadzone(width=8,layers=1)"
    twin = "jpeg"

    def test_backbone_contract(self) -> None:
        """The contract's forward(x) needs the quantiser here: check with the twin's steps."""
        import torch

        model = self.make().build().eval()
        steps = get_registry().create("codec", self.twin).proxy().tables(torch.tensor([50.0]))
        for height, width in ((1, 1), (7, 13), (33, 65)):
            x = torch.rand(1, 3, height, width)
            with torch.no_grad():
                out = model(x, *steps)
                assert out.shape == x.shape and torch.isfinite(out).all() and torch.equal(out, model(x, *steps))


class TestDeadZone4x4Contract(TestDeadZoneContract):
    spec = "deadzone(width=8,layers=1,block=4)"
    twin = "webp"


@pytest.mark.parametrize("name", sorted(STOCK))
def test_shipped_weights_record_how_they_were_made(name):
    meta = json.loads((WEIGHTS / f"{name}.json").read_text())
    config = tomllib.loads((TRAINING / f"{name}.toml").read_text())
    train = meta["training"]
    registry = get_registry()
    # rd-jpeg's record predates the block parameter: both specs must build the same backbone
    assert (
        registry.create("backbone", meta["backbone"]).spec
        == registry.create("backbone", config["model"]["backbone"]).spec
    )
    assert meta["data"]["source"] == "images" and len(meta["data_hash"]) == 64
    rd = train["rate_distortion"]
    assert rd["codec"] == config["rate_distortion"]["codec"] and rd["lmbda"] == config["rate_distortion"]["lambda"]
    assert (
        rd["form"] == config["rate_distortion"]["form"]
        and list(rd["qualities"]) == config["rate_distortion"]["qualities"]
    )
    for key in ("seed", "lr", "batch", "patch_width", "patch_height", "stride", "max_steps"):
        assert train[key] == config["train"][key], key
    assert 0 < meta["validation"]["step"] <= config["train"]["max_steps"]
    if name == "rd-hevc":
        # a 4×4 editor in front of the 8×8 twin: the twin rates it a little worse than untouched (README)
        assert meta["validation"]["bpp_change"] < 0
    else:
        assert meta["validation"]["rd_loss"] < meta["validation"]["loss_in"]


def test_rd_jpeg_pre_edits_as_before_the_block_parameter():
    """The shipped rd-jpeg record names no block size: it builds the 8×8 network, whose output on the
    sample photo is what it was before ``block`` existed (pixel sum and changed-sample count then:
    7,000,835 and 55,611 at quality 50; a few samples of slack for another CPU's float rounding)."""
    photo = sample_photo()
    edited = get_registry().create("codec", "rd-jpeg").pre_edit(photo, 50)
    assert abs(int(edited.astype(np.int64).sum()) - 7_000_835) <= 50
    assert abs(int((edited != photo).sum()) - 55_611) <= 50


@pytest.mark.parametrize("name", sorted(STOCK))
def test_the_file_is_the_stock_codecs_own_and_smaller_at_the_same_quality(name):
    photo = sample_photo()
    registry = get_registry()
    edited, stock = registry.create("codec", name), registry.create("codec", STOCK[name])
    data = edited.encode(photo, 50)
    assert MAGIC[STOCK[name]](data)
    assert len(data) < len(stock.encode(photo, 50))
    np.testing.assert_array_equal(edited.decode(data), stock.decode(data))


def test_the_stock_codecs_parameters_pass_through():
    photo = sample_photo()
    fast, slow = (get_registry().create("codec", f"rd-webp(method={m})") for m in (0, 6))
    assert fast.codec.spec == "webp(method=0)" and slow.codec.spec == "webp(method=6)"
    assert fast.encode(photo, 50) != slow.encode(photo, 50)
    assert get_registry().create("codec", "rd-hevc(subsampling=4:4:4)").codec.spec == "hevc(subsampling=4:4:4)"


def test_a_flat_table_fits_any_block_and_a_jpeg_table_only_its_own():
    """rd-hevc's 4×4 network takes the hevc twin's flat 8×8 step; the 4×4 webp network in front of
    jpeg (whose 8×8 table varies per coefficient) is refused with a clear error, not reshaped."""
    import torch

    network = get_registry().create("backbone", "deadzone(block=4)").build()
    flat = get_registry().create("codec", "hevc").proxy().tables(torch.tensor([50.0, 70.0]))[0]
    steps = network.block_steps(flat)
    assert steps.shape == (2, 4, 4) and torch.equal(steps, flat[:, :4, :4])
    codec = get_registry().create("codec", f"rd-jpeg(weights={WEIGHTS / 'rd-webp.safetensors'})")
    with pytest.raises(ValueError, match="edits 4×4 blocks, but the twin's 8×8 quantiser table is not flat"):
        codec.encode(sample_photo(), 50)


@pytest.mark.parametrize("name", ["rd-jpeg", "rd-webp"])
@pytest.mark.parametrize("width", [384, 379])
def test_tiles_do_not_change_the_result(name, width):
    """Tiles start on the 16-pixel grid, so a tiled pre-edit equals a whole-image one, at any size."""
    photo = np.concatenate([sample_photo()] * 2, axis=1)[:, :width]  # 137×width: several 64-pixel tiles
    whole = get_registry().create("codec", name)
    tiled = get_registry().create("codec", name)
    tiled.tile, tiled.overlap = 64, 32
    difference = np.abs(whole.pre_edit(photo, 40).astype(int) - tiled.pre_edit(photo, 40).astype(int))
    assert difference.max() <= 1  # float summation order at most: a rounding step here and there


def test_importing_the_plugin_does_not_import_torch():
    code = (
        "import sys, kuchen_plugin_preedit\nfor c in (kuchen_plugin_preedit.RdJpegCodec, kuchen_plugin_preedit.RdWebpCodec, "
        "kuchen_plugin_preedit.RdHevcCodec): c()\nprint('torch' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


@pytest.mark.parametrize("path", sorted(TRAINING.glob("*.toml")), ids=lambda p: p.name)
def test_every_recorded_training_config_loads(path):
    config = load_train_config(path)
    assert config.rate_distortion is not None and config.rate_distortion.codec == path.stem.split("-")[1]
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
