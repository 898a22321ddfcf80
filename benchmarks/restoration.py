"""Restoration table: PSNR of decoded images without and with post-filters, per codec quality.

This is the post-processing paper's Table I for our codecs and the validation of the shipped
``ar`` and ``rrdb-*`` methods: every image is encoded once per quality with the real codec,
decoded, and each post-filter runs on the same decoded pixels. PSNR is RGB, against the
original, averaged over images (the mean of per-image PSNRs, as the papers report).

    python benchmarks/restoration.py --codec jpeg --qualities 20,30,40,50,90 --post ar
    python benchmarks/restoration.py --codec hevc --qualities 30,40,50,60 \\
        --post rrdb-hevc,rrdb-hevc-l2 --json runs/restoration-hevc.json

Images default to CBSD68: the 68 images listed in ``benchmarks/cbsd68.txt`` (the BSDS500 val/
images that are not in the CBSD432 training list).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

import kuchen_core
from kuchen_core.specs import split_specs

ROOT = Path(__file__).resolve().parents[1]
CBSD68 = ROOT / "benchmarks" / "cbsd68.txt"


def list_images(source: Path) -> list[Path]:
    """A folder's images, or the existing files a list names (comments and blank lines skipped)."""
    if source.is_dir():
        return sorted(p for p in source.iterdir() if p.suffix.lower() in {".jpg", ".jpeg", ".png"})
    if not source.is_file():
        return []
    lines = [line.strip() for line in source.read_text().splitlines()]
    paths = [source.parent / line for line in lines if line and not line.startswith("#")]
    return [p for p in paths if p.is_file()]


def evaluate(images: list[Path], codec_spec: str, qualities: list[int], post_specs: list[str], quiet: bool) -> dict:
    from tqdm import tqdm

    registry = kuchen_core.get_registry()
    codec = registry.create("codec", codec_spec)
    posts = [registry.create("method", spec) for spec in post_specs]
    psnr = registry.create("metric", "psnr").score  # the same PSNR (RGB) the bench and compress report
    scores = {q: {"none": [], **{p.spec: [] for p in posts}} for q in qualities}
    bpp = {q: [] for q in qualities}
    seconds = {p.spec: 0.0 for p in posts}
    for path in tqdm(images, desc=f"{codec.name}", unit="img", disable=quiet):
        original = kuchen_core.load_image(path)
        for q in qualities:
            result = kuchen_core.encode_and_measure(original, codec, q)
            bpp[q].append(result.bpp)
            scores[q]["none"].append(psnr(result.decoded, original))
            for post in posts:
                start = time.perf_counter()
                restored = post.apply(result.decoded)
                seconds[post.spec] += time.perf_counter() - start
                scores[q][post.spec].append(psnr(restored, original))
    rows = []
    for q in qualities:
        base = float(np.mean(scores[q]["none"]))
        row = {"quality": q, "bpp": float(np.mean(bpp[q])), "psnr": base, "post": {}}
        for post in posts:
            values = np.asarray(scores[q][post.spec])
            row["post"][post.spec] = {
                "psnr": float(values.mean()),
                "gain_db": float(values.mean() - base),
                "images_worse": int(np.sum(values < np.asarray(scores[q]["none"]))),
            }
        rows.append(row)
    return {
        "codec": codec.spec,
        "codec_versions": codec.library_versions(),
        "images": len(images),
        "post_seconds_per_image": {k: v / (len(images) * len(qualities)) for k, v in seconds.items()},
        "rows": rows,
    }


def markdown(report: dict) -> str:
    posts = list(report["rows"][0]["post"])
    head = "| quality | bpp | PSNR without | " + " | ".join(f"`{p}` PSNR (gain)" for p in posts) + " |"
    lines = [head, "|" + "---|" * (3 + len(posts))]
    for row in report["rows"]:
        cells = [f"{row['post'][p]['psnr']:.3f} ({row['post'][p]['gain_db']:+.3f})" for p in posts]
        lines.append(f"| {row['quality']} | {row['bpp']:.3f} | {row['psnr']:.3f} | " + " | ".join(cells) + " |")
    gains = [np.mean([row["post"][p]["gain_db"] for row in report["rows"]]) for p in posts]
    lines.append("| mean gain | | | " + " | ".join(f"{g:+.3f} dB" for g in gains) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--images",
        type=Path,
        default=CBSD68,
        help="folder of originals, or a text file listing them relative to itself [CBSD68]",
    )
    parser.add_argument("--limit", type=int, default=None, help="use only the first N images")
    parser.add_argument("--codec", default="jpeg")
    parser.add_argument("--qualities", default="20,30,40,50")
    parser.add_argument("--post", required=True, help="comma-separated post-filter method specs")
    parser.add_argument("--json", type=Path, default=None, help="also write the report as JSON here")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    images = list_images(args.images)[: args.limit]
    if not images:
        print(f"error: no images in {args.images} (is ../shared/data beside the repository?)", file=sys.stderr)
        return 2
    report = evaluate(
        images, args.codec, [int(q) for q in args.qualities.split(",")], split_specs(args.post), args.quiet
    )
    report["command"] = "python benchmarks/restoration.py " + " ".join(argv if argv is not None else sys.argv[1:])
    print(f"{report['codec']} on {report['images']} images from {args.images}")
    print(markdown(report))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
