"""Which fixed dead-zone rules does SSIMULACRA 2 reward in front of libjpeg-turbo?

Runs the rd-jpeg pre-editor's own pixel-domain dead zone (``kuchen_plugin_preedit.arch``) with a
hand-written rule in place of its network — uniform, by frequency, by block activity, negative
zones (coefficients pushed over a rounding boundary instead of under it) — then the stock ``jpeg``
codec, and prints each rule's BD-rate on SSIMULACRA 2 and PSNR against plain ``jpeg`` over the
CBSD432 holdout photos (``benchmarks/cbsd432-holdout.txt``; never the evaluation sets). It tells
what a trained network should be able to express and what its training loss must reward.

    python benchmarks/deadzone_rules.py [--limit 12] [--jobs 2]
"""

from __future__ import annotations

import argparse
import json
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, Callable

import numpy as np

HERE = Path(__file__).parent
QUALITIES = (25, 35, 50, 65, 80, 90)


def _frequency() -> Any:
    import torch

    row, col = torch.meshgrid(torch.arange(8), torch.arange(8), indexing="ij")
    return (row + col).reshape(1, 64, 1, 1)


def _activity(u: Any) -> Any:
    """Sum of |u| over a block's AC coefficients, in quantiser steps (N×1×h×w)."""
    return u[:, 1:].abs().sum(1, keepdim=True)


RULES: dict[str, Callable[[Any], Any]] = {
    "none": lambda u: 0.0 * u,
    "uniform 0.1": lambda u: 0.1 + 0.0 * u,
    "uniform 0.2": lambda u: 0.2 + 0.0 * u,
    "uniform 0.3": lambda u: 0.3 + 0.0 * u,
    "uniform 0.4": lambda u: 0.4 + 0.0 * u,
    "high freq (k+l>=5) 0.3": lambda u: 0.3 * (_frequency() >= 5).float() + 0.0 * u,
    "low freq (k+l<=4) 0.3": lambda u: 0.3 * (_frequency() <= 4).float() + 0.0 * u,
    "busy blocks 0.3": lambda u: 0.3 * (_activity(u) > 8).float() + 0.0 * u,
    "flat blocks 0.3": lambda u: 0.3 * (_activity(u) <= 8).float() + 0.0 * u,
    "busy 0.4, flat 0.1": lambda u: torch_where(_activity(u) > 8, 0.4, 0.1) + 0.0 * u,
    "uniform -0.1": lambda u: -0.1 + 0.0 * u,
}


def torch_where(condition: Any, a: float, b: float) -> Any:
    import torch

    return torch.where(condition, torch.tensor(a), torch.tensor(b))


def _rule(name: str) -> Any:
    """A module standing in for the network's zone predictor: θ per coefficient from the rule."""
    import torch

    class Rule(torch.nn.Module):
        def forward(self, u: Any, steps: Any) -> Any:
            return RULES[name](u).expand_as(u)

    return Rule()


def _photo_rows(path: str) -> list[dict[str, Any]]:
    import torch

    from kuchen_core import get_registry, load_image
    from kuchen_core.nn import run_tiled
    from kuchen_plugin_preedit.arch import DeadZoneNet

    registry = get_registry()
    jpeg, ssimulacra2, psnr = (
        registry.create(kind, name) for kind, name in (("codec", "jpeg"), ("metric", "ssimulacra2"), ("metric", "psnr"))
    )
    tables = jpeg.proxy().tables
    image = load_image(path)
    net = DeadZoneNet(chroma=False).eval()
    rows = []
    for name in RULES:
        net.luma = _rule(name)
        for quality in QUALITIES:
            luma, chroma = tables(torch.tensor([float(quality)]))
            with torch.no_grad():
                edited = run_tiled(
                    lambda b: net(b, luma.expand(b.shape[0], -1, -1), chroma.expand(b.shape[0], -1, -1)),
                    image,
                    tile=512,
                    overlap=32,
                    align=16,
                    device="cpu",
                )
            data = jpeg.encode(edited, quality)
            decoded = jpeg.decode(data)
            rows.append(
                {
                    "rule": name,
                    "quality": quality,
                    "bpp": 8 * len(data) / (image.shape[0] * image.shape[1]),
                    "ssimulacra2": ssimulacra2.score(decoded, image),
                    "psnr": psnr.score(decoded, image),
                }
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=12)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    listing = HERE / "cbsd432-holdout.txt"
    photos = [
        str((HERE / line.strip()).resolve())
        for line in listing.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ][: args.limit]
    import torch

    torch.set_num_threads(1)
    with ProcessPoolExecutor(args.jobs) as pool:
        rows = [row for photo in pool.map(_photo_rows, photos) for row in photo]
    from kuchen_core.bench.bdrate import bd_rate

    def curve(rule: str, key: str) -> tuple[list[float], list[float]]:
        means = [
            (
                np.mean([r["bpp"] for r in rows if r["rule"] == rule and r["quality"] == q]),
                np.mean([r[key] for r in rows if r["rule"] == rule and r["quality"] == q]),
            )
            for q in QUALITIES
        ]
        return [m[0] for m in means], [m[1] for m in means]

    print(
        f"{len(photos)} CBSD432 holdout photos, qualities {QUALITIES}; BD-rate against plain jpeg (negative: smaller)"
    )
    print(f"{'rule':28} {'ssimulacra2':>12} {'psnr':>8}  bpp at q50")
    results = {}
    for rule in RULES:
        values = [bd_rate(*curve("none", key), *curve(rule, key)).value for key in ("ssimulacra2", "psnr")]
        bpp50 = curve(rule, "ssimulacra2")[0][QUALITIES.index(50)]
        results[rule] = {"ssimulacra2": values[0], "psnr": values[1], "bpp_q50": bpp50}
        shown = ["n/a" if v is None else f"{v:+.2f} %" for v in values]
        print(f"{rule:28} {shown[0]:>12} {shown[1]:>8}  {bpp50:.3f}")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
