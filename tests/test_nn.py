"""Checkpoints (safetensors + JSON, never pickles) and bounded-memory tiled inference."""

from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from kuchen_core.nn import load_checkpoint, run_tiled, save_checkpoint, sidecar_path  # noqa: E402
from kuchen_core.nn.checkpoint import CheckpointError  # noqa: E402


def test_checkpoint_round_trip_rebuilds_the_named_backbone(tiny, tmp_path):
    model = tiny.build()
    path = save_checkpoint(tmp_path / "ckpt", model, tiny.spec, {"validation": {"psnr_out": 30.5}})
    assert path.suffix == ".safetensors" and sidecar_path(path).is_file()
    meta = json.loads(sidecar_path(path).read_text())
    assert meta["backbone"] == "tiny(features=4)" and meta["validation"]["psnr_out"] == 30.5
    loaded = load_checkpoint(path)
    assert not loaded.model.training
    x = torch.rand(1, 3, 9, 11)
    assert torch.equal(loaded.model(x), model.eval()(x))


def test_checkpoint_files_are_safetensors_not_pickles(tiny, tmp_path):
    path = save_checkpoint(tmp_path / "ckpt.safetensors", tiny.build(), tiny.spec)
    data = path.read_bytes()
    header_len = int.from_bytes(data[:8], "little")
    header = json.loads(data[8 : 8 + header_len])  # safetensors: a length, a JSON header, raw tensors
    assert header["__metadata__"]["backbone"] == "tiny(features=4)"
    assert set(header) - {"__metadata__"} == set(tiny.build().state_dict())


def test_checkpoint_errors_are_clear(tiny, tmp_path):
    with pytest.raises(CheckpointError, match="no such checkpoint"):
        load_checkpoint(tmp_path / "missing.safetensors")
    path = save_checkpoint(tmp_path / "a", tiny.build(), tiny.spec)
    sidecar_path(path).write_text(json.dumps({"format": "kuchen-checkpoint/1", "backbone": "tiny(features=8)"}))
    with pytest.raises(CheckpointError, match="do not fit backbone"):
        load_checkpoint(path)
    sidecar_path(path).unlink()
    with pytest.raises(CheckpointError, match="metadata not found"):
        load_checkpoint(path)
    path.write_bytes(b"garbage")
    sidecar_path(path).write_text(json.dumps({"format": "kuchen-checkpoint/1", "backbone": "tiny"}))
    with pytest.raises(CheckpointError, match="cannot read weights"):
        load_checkpoint(path)


def test_unknown_backbone_in_checkpoint_names_it(tiny, tmp_path):
    from kuchen_core import UnknownPluginError

    path = save_checkpoint(tmp_path / "a", tiny.build(), "nosuchnet")
    with pytest.raises(UnknownPluginError, match="nosuchnet"):
        load_checkpoint(path)


@pytest.mark.parametrize("shape", [(1, 1), (7, 13), (100, 37), (130, 260)])
def test_tiled_output_matches_whole_image(tiny, shape):
    model = tiny.build().eval()
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, size=(*shape, 3), dtype=np.uint8)
    whole = run_tiled(model, image, tile=1024, overlap=0)
    tiled = run_tiled(model, image, tile=32, overlap=8)
    assert tiled.shape == image.shape and tiled.dtype == np.uint8
    assert np.abs(tiled.astype(int) - whole.astype(int)).max() <= 1


def test_tiles_must_align():
    with pytest.raises(ValueError, match="multiples of align"):
        run_tiled(lambda x: x, np.zeros((4, 4, 3), np.uint8), tile=30, overlap=8, align=8)
