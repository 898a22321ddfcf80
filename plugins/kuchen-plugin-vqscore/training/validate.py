"""Validate ``vqscore`` weights on the CBSD68 part of a dataset made by ``make_dataset.py``: Spearman
and Pearson correlation with SSIMULACRA2 over every (photo, distortion), the share of adjacent JPEG
qualities (10, 20, …, 90) on each photo's ladder where the score rises, and milliseconds per
512×512 image on this machine's CPU.

    python plugins/kuchen-plugin-vqscore/training/validate.py --data runs/vqscore-data
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from kuchen_core import get_registry
from kuchen_plugin_vqscore.network import WEIGHTS, load_network
from kuchen_plugin_vqscore.scoring import predict

LADDER = tuple(range(10, 100, 10))
GRID = 3


def ranks(values: np.ndarray) -> np.ndarray:
    order = np.argsort(values, kind="stable")
    out = np.empty(len(values))
    out[order] = np.arange(len(values))
    return out


def pearson(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a, b)[0, 1])


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    return pearson(ranks(a), ranks(b))


def validate(net: Any, crop: int, data: Path, grid: int = GRID) -> dict[str, Any]:
    """Every number of the README's validation table for ``net``."""
    jpeg = get_registry().create("codec", "jpeg")
    predicted, targets, kinds, rising, pairs = [], [], [], 0, 0
    photos = sorted((data / "val").glob("*.npz"))
    if not photos:
        raise FileNotFoundError(f"no validation photos in {data / 'val'} (run make_dataset.py first)")
    for path in photos:
        record = np.load(path)
        for i, (target, name) in enumerate(zip(record["targets"], record["names"])):
            predicted.append(predict(net, record[f"image{i}"], crop, grid))
            targets.append(float(target))
            kinds.append("chain" if "+" in name else str(name).split("(")[0])
        ladder = [predict(net, jpeg.decode(jpeg.encode(record["image0"], q)), crop, grid) for q in LADDER]
        rising += sum(b > a for a, b in zip(ladder, ladder[1:]))
        pairs += len(LADDER) - 1
    p, t = np.array(predicted), np.array(targets)
    return {
        "photos": len(photos),
        "pairs": len(p),
        "spearman": round(spearman(p, t), 4),
        "pearson": round(pearson(p, t), 4),
        "rmse": round(float(np.sqrt(np.mean((p - t) ** 2))), 2),
        "ladder_rising": round(rising / pairs, 4),
        "ladder_pairs": pairs,
        "ms_per_512x512": round(milliseconds_per_512(net, crop, data, grid), 1),
        "by_kind": by_kind(p, t, kinds),
    }


def by_kind(predicted: np.ndarray, targets: np.ndarray, kinds: list[str]) -> dict[str, dict[str, float]]:
    """Per kind of distortion: count, mean vqscore, mean SSIMULACRA2 and their correlation."""
    out = {}
    for kind in sorted(set(kinds)):
        mask = np.array([k == kind for k in kinds])
        p, t = predicted[mask], targets[mask]
        out[kind] = {
            "pairs": int(mask.sum()),
            "vqscore": round(float(p.mean()), 1),
            "ssimulacra2": round(float(t.mean()), 1),
            "pearson": round(pearson(p, t), 3) if mask.sum() > 2 and t.std() > 0 else None,
        }
    return out


def milliseconds_per_512(net: Any, crop: int, data: Path, grid: int = GRID, repeats: int = 10) -> float:
    """Median wall time of the metric's scoring on a 512×512 photo (a validation photo, resized)."""
    from PIL import Image

    photo = np.load(sorted((data / "val").glob("*.npz"))[0])["image0"]
    image = np.asarray(Image.fromarray(photo).resize((512, 512), Image.Resampling.LANCZOS))
    predict(net, image, crop, grid)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        predict(net, image, crop, grid)
        times.append(time.perf_counter() - start)
    return 1000 * float(np.median(times))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--weights", type=Path, default=WEIGHTS)
    args = parser.parse_args()
    net, record = load_network(args.weights.resolve())
    print(json.dumps(validate(net, int(record["crop"]), args.data), indent=2))


if __name__ == "__main__":
    main()
