"""How close each codec's differentiable twin is to the real codec, on photos it was not fitted on.

For every photo and quality: the real file (size, decode) and the twin's hard-rounded
reconstruction and estimated size. Reported per codec:

- mean |ΔPSNR|: |PSNR(twin reconstruction) − PSNR(real decode)|, both against the original, in dB;
- PSNR twin-vs-real: how alike the two reconstructions are themselves, in dB;
- Pearson r of log(estimated bytes) against log(real bytes), and the median |estimated/real − 1|.

    python benchmarks/proxy_accuracy.py                          # CBSD68, jpeg/webp/hevc, q 20-90
    python benchmarks/proxy_accuracy.py --codecs jpeg --limit 8  # quicker
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np
import torch

import kuchen_core

ROOT = Path(__file__).resolve().parents[1]
CBSD68 = ROOT / "benchmarks" / "cbsd68.txt"
QUALITIES = (20, 30, 40, 50, 60, 70, 80, 90)


def list_images(listing: Path) -> list[Path]:
    lines = [line.strip() for line in listing.read_text().splitlines() if line.strip() and not line.startswith("#")]
    return [(listing.parent / line).resolve() for line in lines]


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return 100.0 if mse == 0 else 10 * math.log10(255.0**2 / mse)


def measure(codec_spec: str, images: list[np.ndarray], qualities: tuple[int, ...]) -> dict[str, float]:
    codec = kuchen_core.get_registry().create("codec", codec_spec)
    proxy = codec.proxy().eval()
    delta_psnr, twin_vs_real, real_bytes, twin_bytes = [], [], [], []
    for image in images:
        batch = torch.from_numpy(image.copy()).permute(2, 0, 1).unsqueeze(0).float() / 255.0
        for quality in qualities:
            real = kuchen_core.encode_and_measure(image, codec, quality)
            with torch.no_grad():
                recon, bits = proxy(batch, quality)
            twin = (recon[0].permute(1, 2, 0).numpy() * 255.0).round().astype(np.uint8)
            delta_psnr.append(abs(psnr(twin, image) - psnr(real.decoded, image)))
            twin_vs_real.append(psnr(twin, real.decoded))
            real_bytes.append(len(real.data))
            twin_bytes.append(float(bits[0]) / 8)
    real_arr, twin_arr = np.array(real_bytes, dtype=np.float64), np.array(twin_bytes)
    return {
        "codec": codec.spec,
        "versions": codec.library_versions(),
        "photos": len(images),
        "qualities": list(qualities),
        "mean_abs_delta_psnr_db": float(np.mean(delta_psnr)),
        "mean_psnr_twin_vs_real_db": float(np.mean(twin_vs_real)),
        "pearson_log_size": float(np.corrcoef(np.log(real_arr), np.log(np.maximum(twin_arr, 1.0)))[0, 1]),
        "median_abs_size_error": float(np.median(np.abs(twin_arr / real_arr - 1))),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--codecs", default="jpeg,webp,hevc", help="comma-separated codec specs with a twin")
    parser.add_argument("--images", type=Path, default=CBSD68, help="a .txt list of photos [CBSD68]")
    parser.add_argument("--limit", type=int, help="only the first N photos")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    torch.set_num_threads(2)
    paths = list_images(args.images)[: args.limit]
    missing = [p for p in paths if not p.is_file()]
    if missing:
        sys.exit(f"proxy_accuracy: {len(missing)} photos missing, e.g. {missing[0]}")
    images = [kuchen_core.load_image(p) for p in paths]
    results = []
    print(
        "| codec | photos × qualities | mean abs ΔPSNR (dB) | PSNR twin vs real (dB) | Pearson r, log size | median abs size error |"
    )
    print("|---|---|---|---|---|---|")
    for spec in kuchen_core.split_specs(args.codecs):
        started = time.perf_counter()
        row = measure(spec, images, QUALITIES)
        row["seconds"] = round(time.perf_counter() - started, 1)
        results.append(row)
        print(
            f"| {row['codec']} | {row['photos']} × {len(QUALITIES)} | {row['mean_abs_delta_psnr_db']:.3f} | "
            f"{row['mean_psnr_twin_vs_real_db']:.1f} | {row['pearson_log_size']:.4f} | "
            f"{row['median_abs_size_error']:.1%} |",
            flush=True,
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
