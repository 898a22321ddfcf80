"""Which fixed dead-zone rules does SSIMULACRA 2 reward in front of libjpeg-turbo or jpegli?

Runs the rd-jpeg pre-editor's own pixel-domain dead zone (``kuchen_plugin_preedit.arch``) with a
hand-written rule in place of its network — uniform, by frequency, by block activity, negative
zones (coefficients pushed over a rounding boundary instead of under it) — then the stock ``jpeg``
codec (or ``--codec jpegli``), at the steps in that encoder's own DQT segments, and prints each
rule's BD-rate on SSIMULACRA 2 and PSNR against the plain encoder over the
CBSD432 holdout photos (``benchmarks/cbsd432-holdout.txt``; never the evaluation sets). It tells
what a trained network should be able to express and what its training loss must reward.

    python benchmarks/deadzone_rules.py [--codec jpeg|jpegli] [--limit 12] [--jobs 2]
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


def _zone(value: float) -> Callable[[Any], Any]:
    return lambda u: value


# name -> (luma rule, chroma rule); a rule maps the coefficients u (N×64×h×w, in steps) to θ
RULES: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
    "none": (_zone(0.0), _zone(0.0)),
    "uniform 0.1": (_zone(0.1), _zone(0.0)),
    "uniform 0.2": (_zone(0.2), _zone(0.0)),
    "uniform 0.3": (_zone(0.3), _zone(0.0)),
    "uniform 0.4": (_zone(0.4), _zone(0.0)),
    "high freq (k+l>=5) 0.3": (lambda u: 0.3 * (_frequency() >= 5).float(), _zone(0.0)),
    "low freq (k+l<=4) 0.3": (lambda u: 0.3 * (_frequency() <= 4).float(), _zone(0.0)),
    "busy blocks 0.3": (lambda u: 0.3 * (_activity(u) > 8).float(), _zone(0.0)),
    "flat blocks 0.3": (lambda u: 0.3 * (_activity(u) <= 8).float(), _zone(0.0)),
    "busy 0.4, flat 0.1": (lambda u: _where(_activity(u) > 8, 0.4, 0.1), _zone(0.0)),
    "uniform -0.1": (_zone(-0.1), _zone(0.0)),
    "luma 0.1, chroma 0.1": (_zone(0.1), _zone(0.1)),
    "luma 0.1, chroma -0.1": (_zone(0.1), _zone(-0.1)),
    "luma 0.2, chroma -0.1": (_zone(0.2), _zone(-0.1)),
    "luma 0.2, chroma -0.2": (_zone(0.2), _zone(-0.2)),
}


def _where(condition: Any, a: float, b: float) -> Any:
    import torch

    return torch.where(condition, a, b)


def _rule(rule: Callable[[Any], Any]) -> Any:
    """A module standing in for the network's zone predictor: θ per coefficient from the rule."""
    import torch

    class Rule(torch.nn.Module):
        def forward(self, u: Any, steps: Any) -> Any:
            return torch.as_tensor(rule(u), dtype=u.dtype).expand_as(u)

    return Rule()


def dqt_steps(codec: Any, quality: int) -> tuple[Any, Any]:
    """The 1×8×8 luma and chroma steps the encoder writes at ``quality`` (natural order, as Pillow reads them)."""
    import io

    import torch
    from PIL import Image

    tables = Image.open(io.BytesIO(codec.encode(np.full((16, 16, 3), 128, np.uint8), quality))).quantization
    return tuple(torch.tensor(tables[i], dtype=torch.float32).view(1, 8, 8) for i in (0, 1))


def _photo_rows(job: tuple[str, str, list[str]]) -> list[dict[str, Any]]:
    path, codec_name, names = job
    import torch

    from kuchen_core import get_registry, load_image
    from kuchen_core.nn import run_tiled
    from kuchen_plugin_preedit.arch import DeadZoneNet

    registry = get_registry()
    codec, ssimulacra2, psnr = (
        registry.create(kind, name)
        for kind, name in (("codec", codec_name), ("metric", "ssimulacra2"), ("metric", "psnr"))
    )
    image = load_image(path)
    net = DeadZoneNet(chroma=True).eval()
    rows = []
    for name in names:
        net.luma, net.chroma = (_rule(rule) for rule in RULES[name])
        for quality in QUALITIES:
            luma, chroma = dqt_steps(codec, quality)
            with torch.no_grad():
                edited = run_tiled(
                    lambda b: net(b, luma.expand(b.shape[0], -1, -1), chroma.expand(b.shape[0], -1, -1)),
                    image,
                    tile=512,
                    overlap=32,
                    align=16,
                    device="cpu",
                )
            data = codec.encode(edited, quality)
            decoded = codec.decode(data)
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
    parser.add_argument("--codec", default="jpeg", choices=("jpeg", "jpegli"))
    parser.add_argument("--limit", type=int, default=12)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--only", default="", help="run only the rules whose name contains this (and 'none')")
    args = parser.parse_args()
    listing = HERE / "cbsd432-holdout.txt"
    photos = [
        str((HERE / line.strip()).resolve())
        for line in listing.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ][: args.limit]
    names = [name for name in RULES if name == "none" or args.only in name]
    import torch

    torch.set_num_threads(1)
    with ProcessPoolExecutor(args.jobs) as pool:
        rows = [
            row for photo in pool.map(_photo_rows, [(photo, args.codec, names) for photo in photos]) for row in photo
        ]
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
        f"{len(photos)} CBSD432 holdout photos, qualities {QUALITIES}; BD-rate against plain {args.codec} (negative: smaller)"
    )
    print(f"{'rule':28} {'ssimulacra2':>12} {'psnr':>8}  bpp at q50")
    results = {}
    for rule in names:
        values = [bd_rate(*curve("none", key), *curve(rule, key)).value for key in ("ssimulacra2", "psnr")]
        bpp50 = curve(rule, "ssimulacra2")[0][QUALITIES.index(50)]
        results[rule] = {"ssimulacra2": values[0], "psnr": values[1], "bpp_q50": bpp50}
        shown = ["n/a" if v is None else f"{v:+.2f} %" for v in values]
        print(f"{rule:28} {shown[0]:>12} {shown[1]:>8}  {bpp50:.3f}")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
