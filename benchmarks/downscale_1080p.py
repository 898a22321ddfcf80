"""Make the 1080p copy of ../shared/data/unsplash_hr that the bench's high-resolution run reads.

Each photo is loaded through Kuchen's own loader (EXIF orientation applied), scaled with Pillow's
Lanczos filter to fit inside 1920×1080 (landscape) or 1080×1920 (portrait), keeping its aspect
ratio, and written as a lossless PNG, so the bench's codecs see no extra JPEG generation. The
output folder (default runs/unsplash-1080p, git-ignored) is made once; existing files are kept.

    python benchmarks/downscale_1080p.py [--src ../shared/data/unsplash_hr] [--out runs/unsplash-1080p] [--limit N]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from kuchen_core import load_image, save_image

BOX = (1920, 1080)


def target_size(width: int, height: int) -> tuple[int, int]:
    long_side, short_side = BOX
    box = (long_side, short_side) if width >= height else (short_side, long_side)
    scale = min(box[0] / width, box[1] / height, 1.0)
    return max(1, round(width * scale)), max(1, round(height * scale))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--src", default="../shared/data/unsplash_hr")
    parser.add_argument("--out", default="runs/unsplash-1080p")
    parser.add_argument("--limit", type=int, default=None, help="only the first N photos (sorted by name)")
    args = parser.parse_args(argv)
    sources = sorted(p for p in Path(args.src).iterdir() if p.suffix.lower() in {".jpg", ".jpeg", ".png"})
    if not sources:
        print(f"no photos in {args.src}", file=sys.stderr)
        return 1
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for source in sources[: args.limit]:
        target = out / f"{source.stem}.png"
        if target.exists():
            continue
        image = load_image(source)
        size = target_size(image.shape[1], image.shape[0])
        scaled = np.asarray(Image.fromarray(image).resize(size, Image.LANCZOS))
        save_image(target, np.ascontiguousarray(scaled))
        print(f"{source.name}: {image.shape[1]}x{image.shape[0]} -> {size[0]}x{size[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
