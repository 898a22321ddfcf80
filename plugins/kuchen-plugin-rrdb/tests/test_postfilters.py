"""The shipped post-filters ``rrdb-jpeg`` and ``rrdb-hevc`` (both sizes): contracts, records, gains."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from kuchen_core import encode_and_measure, get_registry
from kuchen_core.testing import MethodContract, psnr, sample_photo
from kuchen_plugin_rrdb.methods import WEIGHTS

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

TRAINING = Path(__file__).resolve().parents[1] / "training"


pytestmark = pytest.mark.usefixtures("torch_single_thread")


class TestJpegPostFilterContract(MethodContract):
    spec = "rrdb-jpeg"


class TestHevcPostFilterContract(MethodContract):
    spec = "rrdb-hevc(blocks=2)"


@pytest.mark.parametrize("codec", ["jpeg", "hevc"])
@pytest.mark.parametrize("blocks", [1, 2])
def test_each_shipped_checkpoint_records_how_it_was_made(codec, blocks):
    meta = json.loads((WEIGHTS / f"{codec}-l{blocks}.json").read_text())
    assert meta["backbone"].startswith(f"rrdb(blocks={blocks},")
    assert meta["data"]["codec"] == codec
    assert meta["validation"]["gain_db"] > 0 and len(meta["data_hash"]) == 64
    # the record was made by a training config that ships beside the plugin: same run folder,
    # backbone, seed, learning rate, loss and starting point
    run = Path(meta["training"]["out"]).name
    configs = [tomllib.loads(p.read_text()) for p in TRAINING.glob("*.toml")]
    config = next(c for c in configs if Path(c["train"]["out"]).name == run)
    assert config["model"]["backbone"] == meta["backbone"]
    assert (config["train"]["seed"], config["train"]["lr"]) == (meta["training"]["seed"], meta["training"]["lr"])
    assert config["train"].get("loss", "mse") == meta["training"]["loss"]
    assert Path(config["model"].get("init", "")).name == Path(meta["training"].get("init") or "").name


@pytest.mark.parametrize("codec, quality", [("jpeg", 30), ("hevc", 30)])
@pytest.mark.parametrize("blocks", [1, 2])
def test_post_filter_raises_psnr_of_a_decoded_photo(codec, quality, blocks):
    photo = sample_photo()
    decoded = encode_and_measure(photo, get_registry().create("codec", codec), quality).decoded
    restored = get_registry().create("method", f"rrdb-{codec}(blocks={blocks})").apply(decoded)
    assert psnr(restored, photo) > psnr(decoded, photo)


def test_blocks_is_limited_to_the_shipped_sizes():
    with pytest.raises(ValueError, match="must be one of"):
        get_registry().create("method", "rrdb-jpeg(blocks=3)")
