"""Fit a codec twin (proxy) to the real codec on CBSD432 photos and write the fit into its plugin.

- ``jpeg``: the twin is exact in structure; only its rate model is fitted (bits per unit of each
  rate feature, by non-negative least squares on *relative* error against real file sizes).
- ``webp``, ``hevc``: a block-DCT "virtual codec". For each fitting quality, bisection picks the
  flat luma step and the flat chroma step at which the twin's mean PSNR of Y and of CbCr equal
  the real codec's; then the rate model is fitted as for JPEG.

Photos come from the CBSD432 training list only (choices are never made on CBSD68, on which
``proxy_accuracy.py`` reports). Reproduce the shipped fits with:

    python benchmarks/fit_proxy.py jpeg
    python benchmarks/fit_proxy.py webp
    python benchmarks/fit_proxy.py hevc
"""

from __future__ import annotations

import argparse
import json
import math
import shlex
import sys
from pathlib import Path
from typing import Any

import numpy as np
import torch
from scipy.optimize import nnls

import kuchen_core
from kuchen_core.idlists import read_id_list
from kuchen_core.nn.proxy import RATE_FEATURES, VirtualCodecProxy, rgb_to_ycbcr

ROOT = Path(__file__).resolve().parents[1]
BSDS = ROOT.parent / "shared" / "data" / "bsds500"
QUALITIES = (20, 30, 40, 50, 60, 70, 80, 90)
VIRTUAL = {"webp": {"block": 4, "subsampling": True}, "hevc": {"block": 8, "subsampling": True}}
OUTPUT = {
    "jpeg": ROOT / "plugins/kuchen-plugin-jpeg/kuchen_plugin_jpeg/proxy_rate.json",
    "webp": ROOT / "plugins/kuchen-plugin-webp/kuchen_plugin_webp/proxy_fit.json",
    "hevc": ROOT / "plugins/kuchen-plugin-hevc/kuchen_plugin_hevc/proxy_fit.json",
}


def cbsd432(limit: int) -> list[Path]:
    """The first ``limit`` photos of the CBSD432 training list, sorted by name."""
    ids = sorted(read_id_list(BSDS / "CBSD432_train_list.txt"))
    found = {p.stem: p for folder in ("train", "test", "val") for p in (BSDS / folder).glob("*.jpg")}
    missing = [i for i in ids if i not in found]
    if missing:
        sys.exit(f"fit_proxy: {len(missing)} CBSD432 photos missing under {BSDS}")
    return [found[i] for i in ids[:limit]]


def to_batch(image: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(image).permute(2, 0, 1).unsqueeze(0).float() / 255.0


def plane_psnr(a: torch.Tensor, b: torch.Tensor) -> float:
    mse = float(torch.mean((a - b) ** 2))
    return 100.0 if mse == 0 else 10 * math.log10(255.0**2 / mse)


def ycc_psnr(decoded: torch.Tensor, original: torch.Tensor) -> tuple[float, float]:
    """PSNR of Y and of Cb+Cr (one MSE over both) between two N×3×H×W batches in [0, 1]."""
    a, b = rgb_to_ycbcr(decoded * 255.0), rgb_to_ycbcr(original * 255.0)
    return plane_psnr(a[:, 0], b[:, 0]), plane_psnr(a[:, 1:], b[:, 1:])


def real_encodes(codec: Any, images: list[np.ndarray], qualities: tuple[int, ...]) -> dict[int, list[dict[str, Any]]]:
    """Per quality, each photo's real size in bits and decoded Y / CbCr PSNR."""
    out: dict[int, list[dict[str, Any]]] = {}
    for quality in qualities:
        rows = []
        for image in images:
            result = kuchen_core.encode_and_measure(image, codec, quality)
            y, c = ycc_psnr(to_batch(result.decoded), to_batch(image))
            rows.append({"bits": 8 * len(result.data), "psnr_y": y, "psnr_c": c})
        out[quality] = rows
        print(f"  real {codec.name} q{quality}: mean {np.mean([r['bits'] for r in rows]) / 8:.0f} bytes", flush=True)
    return out


def fit_steps(
    block: int, subsampling: bool, batches: list[torch.Tensor], target_y: float, target_c: float
) -> tuple[float, float]:
    """Bisection on log step (luma and chroma at once: they do not interact) to match mean PSNRs."""
    low, high = np.array([math.log(0.25)] * 2), np.array([math.log(400.0)] * 2)
    for _ in range(16):
        middle = (low + high) / 2
        proxy = VirtualCodecProxy(block, subsampling, [0, 100], [middle[0]] * 2, [middle[1]] * 2, [0.0] * 9)
        with torch.no_grad():
            scores = np.mean([ycc_psnr(proxy.encode_decode(x, 50)[0], x) for x in batches], axis=0)
        too_coarse = scores < np.array([target_y, target_c])
        high = np.where(too_coarse, middle, high)
        low = np.where(too_coarse, low, middle)
    return tuple((low + high) / 2)


def fit_rate(
    proxy: Any, batches: list[torch.Tensor], real: dict[int, list[dict[str, Any]]]
) -> tuple[list[float], float]:
    """Non-negative weights minimising relative size error; returns them and the fit's median |error|."""
    rows, targets = [], []
    for quality, encodes in real.items():
        for x, encode in zip(batches, encodes):
            with torch.no_grad():
                features = proxy.encode_decode(x, quality)[1][0]
            rows.append(np.append(features.numpy().astype(np.float64), 1.0))
            targets.append(encode["bits"])
    a, b = np.array(rows), np.array(targets, dtype=np.float64)
    weights, _ = nnls(a / b[:, None], np.ones_like(b))
    error = np.abs(a @ weights / b - 1)
    return [float(w) for w in weights], float(np.median(error))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("codec", choices=sorted(OUTPUT))
    parser.add_argument("--limit", type=int, default=48, help="how many CBSD432 photos to fit on [48]")
    parser.add_argument("--out", type=Path, help="where to write the fit [the codec plugin's file]")
    args = parser.parse_args(argv)
    codec = kuchen_core.get_registry().create("codec", args.codec)
    paths = cbsd432(args.limit)
    images = [kuchen_core.load_image(p) for p in paths]
    batches = [to_batch(image) for image in images]
    print(f"fitting the {codec.spec} twin on {len(images)} CBSD432 photos, qualities {list(QUALITIES)}", flush=True)
    real = real_encodes(codec, images, QUALITIES)
    record: dict[str, Any] = {
        "codec": codec.spec,
        "versions": codec.library_versions(),
        "photos": len(images),
        "command": "python benchmarks/" + " ".join(shlex.quote(a) for a in [Path(__file__).name, *sys.argv[1:]]),
    }
    if args.codec == "jpeg":
        from kuchen_plugin_jpeg.proxy import JpegProxy

        proxy = JpegProxy(rate_weights=[0.0] * (2 * len(RATE_FEATURES) + 1))
    else:
        shape = VIRTUAL[args.codec]
        steps = []
        for quality in QUALITIES:
            target = np.mean([[r["psnr_y"], r["psnr_c"]] for r in real[quality]], axis=0)
            steps.append(fit_steps(shape["block"], shape["subsampling"], batches, *target))
            print(
                f"  q{quality}: luma step {math.exp(steps[-1][0]):.2f}, chroma step {math.exp(steps[-1][1]):.2f}",
                flush=True,
            )
        record.update(
            shape, qualities=list(QUALITIES), log_steps=[s[0] for s in steps], log_chroma_steps=[s[1] for s in steps]
        )
        proxy = VirtualCodecProxy(
            shape["block"],
            shape["subsampling"],
            QUALITIES,
            record["log_steps"],
            record["log_chroma_steps"],
            [0.0] * (2 * len(RATE_FEATURES) + 1),
        )
    weights, median_error = fit_rate(proxy, batches, real)
    record.update(
        rate_features=[f"luma {f}" for f in RATE_FEATURES] + [f"chroma {f}" for f in RATE_FEATURES] + ["constant"],
        rate_weights=weights,
        fit_median_abs_error=round(median_error, 4),
    )
    out = args.out or OUTPUT[args.codec]
    out.write_text(json.dumps(record, indent=1) + "\n")
    print(
        f"rate weights {[round(w, 3) for w in weights]}; median |size error| on the fitting photos {median_error:.1%}"
    )
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
