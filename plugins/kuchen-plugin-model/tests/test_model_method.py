"""``model:PATH`` turns any trained checkpoint into a method — before a codec and after decoding."""

from __future__ import annotations

import json
import pickle
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

torch = pytest.importorskip("torch")

import kuchen_plugin_model  # noqa: E402
from kuchen_core import Backbone, BackboneInfo, hookimpl, load_image  # noqa: E402
from kuchen_core.cli import cli  # noqa: E402
from kuchen_core.nn import run_tiled, save_checkpoint  # noqa: E402
from kuchen_core.nn.checkpoint import CheckpointError  # noqa: E402
from kuchen_core.testing import check_method, sample_photo  # noqa: E402


class Smooth(Backbone):
    info = BackboneInfo(name="smooth3", description="one fixed-size 3x3 conv plus the input (tests only)")

    def build(self) -> Any:
        from torch import nn

        class Net(nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.conv = nn.Conv2d(3, 3, 3, padding=1)

            def forward(self, x):
                return x + self.conv(x)

        return Net()


class SmoothPlugin:
    @hookimpl
    def register_backbones(self, register):
        register(Smooth)


@pytest.fixture
def checkpoint(tmp_path, kuchen_register):
    registry = kuchen_register(kuchen_plugin_model, SmoothPlugin(), installed=True)
    torch.manual_seed(0)
    model = registry.create("backbone", "smooth3").build()
    return save_checkpoint(tmp_path / "ckpt" / "best", model, "smooth3", {"validation": {"psnr_out": 1.0}}), model


def test_model_spec_runs_the_checkpoint(checkpoint, kuchen_register):
    from kuchen_core import get_registry

    path, model = checkpoint
    method = get_registry().create("method", f"model:{path}")
    assert method.params["path"] == str(path)
    check_method(method)
    photo = sample_photo()
    np.testing.assert_array_equal(method.apply(photo), run_tiled(model.eval(), photo))


def test_model_needs_a_path_and_names_a_missing_file(checkpoint, tmp_path):
    from kuchen_core import get_registry

    with pytest.raises(ValueError, match="give the checkpoint path"):
        get_registry().create("method", "model")
    method = get_registry().create("method", f"model:{tmp_path / 'nope.safetensors'}")
    with pytest.raises(CheckpointError, match="nope.safetensors: no such checkpoint"):
        method.apply(sample_photo())


def test_retrained_weights_change_the_provenance_that_keys_the_caches(checkpoint):
    """``kuchen bench`` and ``kuchen label`` key cached results on library_versions(): a checkpoint
    overwritten by retraining at the same path must not reuse the old network's results."""
    from kuchen_core import get_registry

    path, model = checkpoint
    before = get_registry().create("method", f"model:{path}").library_versions()
    assert before["torch"] == torch.__version__ and len(before["weights"]) == 16
    with torch.no_grad():
        model.conv.bias.add_(0.01)
    save_checkpoint(path.with_suffix(""), model, "smooth3", {"validation": {"psnr_out": 1.0}})
    after = get_registry().create("method", f"model:{path}").library_versions()
    assert after["weights"] != before["weights"]
    missing = get_registry().create("method", f"model:{path.with_name('nope.safetensors')}")
    assert missing.library_versions()["weights"] == "missing"


def test_methods_pickle_without_their_network(checkpoint):
    from kuchen_core import get_registry

    path, _ = checkpoint
    method = get_registry().create("method", f"model:{path}")
    method.apply(sample_photo())
    clone = pickle.loads(pickle.dumps(method))
    assert "checkpoint" not in vars(clone) and clone.params == method.params
    np.testing.assert_array_equal(clone.apply(sample_photo()), method.apply(sample_photo()))


def test_compress_pre_and_decode_post_accept_model(checkpoint, tmp_path):
    path, model = checkpoint
    source = tmp_path / "photo.png"
    Image.fromarray(sample_photo()).save(source)
    runner = CliRunner()
    done = runner.invoke(
        cli,
        [
            "compress",
            str(source),
            "--codec",
            "jpeg",
            "-q",
            "60",
            "--pre",
            f"model:{path}",
            "--metrics",
            "psnr",
            "-o",
            str(tmp_path / "c"),
            "--json",
        ],
    )
    assert done.exit_code == 0, done.output
    row = json.loads([line for line in done.output.splitlines() if line.startswith("{")][0])
    assert row["bytes"] == (tmp_path / "c" / "photo.jpg").stat().st_size
    done = runner.invoke(
        cli,
        [
            "decode",
            str(tmp_path / "c" / "photo.jpg"),
            "--codec",
            "jpeg",
            "--post",
            f"model:{path}",
            "-o",
            str(tmp_path / "d"),
        ],
    )
    assert done.exit_code == 0, done.output
    decoded = load_image(tmp_path / "d" / "photo.png")
    from kuchen_core import get_registry

    plain = get_registry().create("codec", "jpeg").decode((tmp_path / "c" / "photo.jpg").read_bytes())
    np.testing.assert_array_equal(decoded, run_tiled(model.eval(), plain))
