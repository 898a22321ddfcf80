"""Speed of the rate-aware pre-editor on CPU, against the stock encoder it feeds, in one process.

For each photo: the median over repeats of the pre-edit alone (e.g. ``rd-jpeg``'s network at the
encode quality, tiled as in use) and of the stock encode (``jpeg`` for ``rd-jpeg``) of the same photo. Reports
megapixels per second of each and the ratio, with torch on ``--threads`` threads (2: the
issue's "core pair").

    python benchmarks/preedit_speed.py                      # the 1080p set if present, else samples/
    python benchmarks/preedit_speed.py photo.png --repeats 5
    python benchmarks/preedit_speed.py --codec rd-webp     # the 4×4 network, against the webp encode
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch

import kuchen_core

ROOT = Path(__file__).resolve().parents[1]
UNSPLASH_1080P = ROOT / "runs" / "unsplash-1080p"


def median_seconds(call, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("images", nargs="*", type=Path, help="photos [runs/unsplash-1080p/*.png, else samples/*.png]")
    parser.add_argument("--codec", default="rd-jpeg", help="the pre-editing codec [rd-jpeg]")
    parser.add_argument("--quality", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--limit", type=int, default=6)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    paths = args.images or sorted(UNSPLASH_1080P.glob("*.png")) or sorted((ROOT / "samples").glob("*.png"))
    registry = kuchen_core.get_registry()
    editor = registry.create("codec", args.codec)
    stock = editor.codec
    megapixels = edit_s = encode_s = 0.0
    for path in paths[: args.limit]:
        image = kuchen_core.load_image(path)
        editor.pre_edit(image, args.quality)  # load the network once, warm the kernels
        megapixels += image.shape[0] * image.shape[1] / 1e6
        edit_s += median_seconds(lambda: editor.pre_edit(image, args.quality), args.repeats)
        encode_s += median_seconds(lambda: stock.encode(image, args.quality), args.repeats)
    print(
        f"{min(len(paths), args.limit)} photos, {megapixels:.1f} MP, torch {torch.__version__} on {args.threads} threads"
    )
    print(f"pre-edit ({editor.spec}): {megapixels / edit_s:.2f} MP/s")
    print(f"{stock.spec} encode: {megapixels / encode_s:.2f} MP/s")
    print(f"pre-edit time / encode time: {edit_s / encode_s:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
