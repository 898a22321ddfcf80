"""Training losses by config name; torch is passed in so importing this module stays cheap."""

from __future__ import annotations

from typing import Any, Callable

PSNR_FLOOR = 1e-10  # MSE floor: a perfect patch scores 100 dB instead of infinity


def make_loss(torch: Any, name: str) -> Callable[[Any, Any], Any]:
    """``mse`` and ``l1`` as usual; ``psnr`` is minus the mean per-sample PSNR in dB.

    ``psnr`` optimises what a restoration table averages: a dB gain on a clean, high-quality patch
    counts as much as one on a heavily compressed patch, where plain MSE lets the large errors of
    low qualities dominate the gradient.
    """
    if name == "mse":
        return torch.nn.MSELoss()
    if name == "l1":
        return torch.nn.L1Loss()
    if name == "psnr":

        def negative_psnr(output: Any, target: Any) -> Any:
            mse = (output - target).square().flatten(1).mean(1)
            return (10 * torch.log10(mse + PSNR_FLOOR)).mean()

        return negative_psnr
    raise ValueError(f"unknown loss {name!r}")
