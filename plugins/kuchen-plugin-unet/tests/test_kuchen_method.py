"""The shipped ``kuchen`` method: its contract, its record, and that it lowers the JPEG rate of a
photo, which is what its labels reward."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from kuchen_core import encode_and_measure, get_registry
from kuchen_core.testing import MethodContract, sample_photo
from kuchen_core.training import load_train_config
from kuchen_plugin_unet.method import WEIGHTS

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CONFIG = Path(__file__).resolve().parents[1] / "training" / "kuchen-cbsd432.toml"

pytestmark = pytest.mark.usefixtures("torch_single_thread")


class TestKuchenContract(MethodContract):
    spec = "kuchen"


def test_shipped_weights_record_how_they_were_made():
    meta = json.loads(WEIGHTS.with_suffix(".json").read_text())
    assert meta["backbone"].startswith("unet(")
    assert meta["data"]["source"] == "manifest" and len(meta["data_hash"]) == 64
    # the record was made by the training config that ships beside the plugin
    config = tomllib.loads(CONFIG.read_text())
    train = meta["training"]
    assert train["backbone"] == config["model"]["backbone"]
    assert Path(train["data"]["manifest"]).parent.name == Path(config["data"]["manifest"]).parent.name
    for key in ("seed", "lr", "batch", "max_steps", "patch_width", "patch_height", "stride"):
        assert train[key] == config["train"][key], key
    assert train["loss"] == config["train"].get("loss", "mse")


@pytest.mark.parametrize("codec", ["jpeg", "webp", "hevc"])
def test_kuchen_makes_the_file_smaller_at_the_same_codec_quality(codec):
    photo = sample_photo()
    codec_obj = get_registry().create("codec", codec)
    processed = get_registry().create("method", "kuchen").apply(photo)
    assert processed.shape == photo.shape and (processed != photo).any()
    assert encode_and_measure(processed, codec_obj, 50).n_bytes < encode_and_measure(photo, codec_obj, 50).n_bytes


def test_importing_the_plugin_does_not_import_torch():
    code = "import sys, kuchen_plugin_unet; kuchen_plugin_unet.KuchenPreprocessing(); print('torch' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


@pytest.mark.parametrize("path", sorted(CONFIG.parent.glob("*.toml")), ids=lambda p: p.name)
def test_every_recorded_training_config_still_loads(path):
    # the shipped run and the experiments in the README must stay re-runnable as written
    config = load_train_config(path)
    assert config.backbone.startswith("unet(") and config.data.source == "manifest"
    repository = CONFIG.parents[3]
    assert Path(config.out).resolve().parent == repository / "runs" / "train"  # where the README's cp reads
    assert Path(config.data.manifest).resolve().parent.parent == repository / "runs"
