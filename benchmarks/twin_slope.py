"""The codec's own rate-distortion slope through its twin, per distortion: the λ scale of the
relative RD objective (``bits/bits₀ + λ·D/D₀``).

Between neighbouring qualities, the relative change in the twin's bits over the relative change in
a distortion's loss form says how many relative bits the codec itself trades for relative
distortion. A pre-editor only beats the codec's own curve where it trades better than that, so λ
is set as a multiple of this slope. CBSD432 holdout photos only (``benchmarks/cbsd432-holdout.txt``).

    python benchmarks/twin_slope.py [--codec jpeg] [--metrics psnr,psnr-hvs-m] [--limit 8]
"""

from __future__ import annotations

import argparse
from pathlib import Path

HERE = Path(__file__).parent
QUALITIES = tuple(range(20, 96, 10))
SIDE = 320  # a common crop, so the photos stack into one batch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--codec", default="jpeg")
    parser.add_argument("--metrics", default="psnr,psnr-hvs-m", help="comma-separated metrics with a loss form")
    parser.add_argument("--limit", type=int, default=8)
    args = parser.parse_args()
    import torch

    from kuchen_core import get_registry, load_image

    registry = get_registry()
    twin = registry.create("codec", args.codec).proxy()
    listing = (HERE / "cbsd432-holdout.txt").read_text().splitlines()
    photos = [HERE / line.strip() for line in listing if line.strip() and not line.startswith("#")][: args.limit]
    x = torch.stack([torch.from_numpy(load_image(p)[:SIDE, :SIDE].copy()).permute(2, 0, 1) for p in photos]) / 255.0
    print(f"{len(photos)} CBSD432 holdout photos ({SIDE}×{SIDE} crops) through the {args.codec} twin")
    for name in args.metrics.split(","):
        loss = registry.create("metric", name).loss_form()
        previous = None
        slopes = []
        with torch.no_grad():
            for quality in QUALITIES:
                reconstruction, bits = twin(x, float(quality))
                d, b = float(loss(reconstruction, x).mean()), float(bits.mean())
                if previous is not None:
                    slopes.append(f"q{quality}: {-((b - previous[1]) / b) / ((d - previous[0]) / d):.2f}")
                previous = (d, b)
        print(f"{name:12} slope (relative bits per relative distortion) {', '.join(slopes)}")


if __name__ == "__main__":
    main()
