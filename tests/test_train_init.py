"""``[model] init``: fine-tune from an existing checkpoint of the same backbone."""

from __future__ import annotations

from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from kuchen_core.training import TrainConfigError, load_train_config, train  # noqa: E402
from test_train import write_config  # noqa: E402

TESTS = Path(__file__).parent


def test_init_starts_from_the_checkpoint_and_refuses_another_backbone(tmp_path, monkeypatch):
    from safetensors.torch import load_file

    monkeypatch.syspath_prepend(str(TESTS))
    train(load_train_config(write_config(tmp_path / "a", steps=6)), quiet=True)
    first = tmp_path / "a" / "run" / "best.safetensors"
    zero_lr = write_config(tmp_path / "b", steps=1, extra="")
    text = zero_lr.read_text().replace("[model]\n", f'[model]\ninit = "{first}"\n').replace("lr = 1e-3", "lr = 1e-12")
    zero_lr.write_text(text)
    train(load_train_config(zero_lr), quiet=True)
    start, after = load_file(str(first)), load_file(str(tmp_path / "b" / "run" / "best.safetensors"))
    assert all(torch.allclose(start[k], after[k], atol=1e-6) for k in start)  # one step at lr 1e-12 moves nothing
    other = write_config(tmp_path / "c", steps=1)
    other.write_text(
        other.read_text()
        .replace("[model]\n", f'[model]\ninit = "{first}"\n')
        .replace("tiny(features=4)", "tiny(features=5)")
    )
    with pytest.raises(TrainConfigError, match="is a 'tiny\\(features=4\\)'"):
        train(load_train_config(other), quiet=True)
