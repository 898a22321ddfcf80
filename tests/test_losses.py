"""Training losses: the ``psnr`` loss is minus the mean per-sample PSNR and weighs samples by dB, not by error."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from kuchen_core.training.config import LOSSES  # noqa: E402
from kuchen_core.training.losses import make_loss  # noqa: E402


def test_psnr_loss_is_minus_the_mean_psnr_of_the_samples():
    rng = np.random.default_rng(0)
    target = rng.random((3, 3, 8, 8))
    output = target + rng.normal(0, [[[[0.01]]], [[[0.05]]], [[[0.2]]]], target.shape)
    expected = -np.mean([10 * np.log10(1 / np.mean((o - t) ** 2)) for o, t in zip(output, target)])
    value = make_loss(torch, "psnr")(torch.from_numpy(output), torch.from_numpy(target))
    assert float(value) == pytest.approx(expected, abs=1e-5)


def test_psnr_loss_weighs_a_clean_sample_as_much_as_a_noisy_one_and_mse_does_not():
    target = torch.zeros(2, 1, 4, 4)
    output = torch.stack([torch.full((1, 4, 4), 0.01), torch.full((1, 4, 4), 0.3)]).requires_grad_()
    grads = {}
    for name in ("mse", "psnr"):
        output.grad = None
        make_loss(torch, name)(output, target).backward()
        clean, noisy = output.grad.abs().flatten(1).sum(1)
        grads[name] = float(clean / noisy)
    assert grads["mse"] == pytest.approx(0.01 / 0.3)
    assert grads["psnr"] == pytest.approx(0.3 / 0.01, rel=1e-4)  # d log(mse) / d x = 2x / mse


def test_every_configurable_loss_builds_and_unknown_names_fail():
    for name in LOSSES:
        assert callable(make_loss(torch, name))
    with pytest.raises(ValueError, match="unknown loss"):
        make_loss(torch, "ssim")
