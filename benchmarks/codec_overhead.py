"""Codec overhead: encode + decode through Kuchen versus calling the wrapped library directly.

A codec plugin must cost (almost) nothing on top of its library, or every labeling run and
benchmark pays for the framework. For each codec this script looks the plugin up once, then
times ``kuchen_core.encode_and_measure`` (no metrics) against the library's own calls with the
same settings, on the same images in the same run: the two paths alternate image by image,
each repeat sums a full pass over the images, and the ratio is the median over repeats of
kuchen/direct. It first checks both paths write identical bytes, so the comparison is fair.

    python benchmarks/codec_overhead.py                       # samples/ + 5 BSDS500 val photos
    python benchmarks/codec_overhead.py photo.png --repeats 15 --codecs jpeg,hevc
    python benchmarks/codec_overhead.py --write-docs          # also update docs/benchmarks.md

Exits 1 if a gated codec (jpeg, webp, hevc) is more than ``--max-ratio`` slower through Kuchen.
"""

from __future__ import annotations

import argparse
import gc
import io
import math
import os
import platform
import shlex
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
from PIL import Image

import kuchen_core

ROOT = Path(__file__).resolve().parents[1]
BSDS_VAL = ROOT.parent / "shared" / "data" / "bsds500" / "val"
DOCS = ROOT / "docs" / "benchmarks.md"
SECTION = "## Codec overhead"
GATED = ("jpeg", "webp", "hevc")

Direct = Callable[[np.ndarray, int, dict[str, Any]], tuple[bytes, np.ndarray]]


def _pillow_decode(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as img:
        return np.asarray(img)


def direct_jpeg(image: np.ndarray, quality: int, params: dict[str, Any]) -> tuple[bytes, np.ndarray]:
    buffer = io.BytesIO()
    Image.fromarray(image).save(
        buffer,
        format="JPEG",
        quality=quality,
        subsampling=params["subsampling"],
        optimize=params["optimize"],
        progressive=params["progressive"],
    )
    data = buffer.getvalue()
    return data, _pillow_decode(data)


def direct_webp(image: np.ndarray, quality: int, params: dict[str, Any]) -> tuple[bytes, np.ndarray]:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="WEBP", quality=quality, method=params["method"])
    data = buffer.getvalue()
    return data, _pillow_decode(data)


def direct_hevc(image: np.ndarray, quality: int, params: dict[str, Any]) -> tuple[bytes, np.ndarray]:
    import pillow_heif

    buffer = io.BytesIO()
    heif = pillow_heif.from_bytes("RGB", (image.shape[1], image.shape[0]), memoryview(image).cast("B"))
    heif.save(buffer, format="HEIF", quality=quality, chroma=params["subsampling"].replace(":", ""))
    data = buffer.getvalue()
    return data, np.asarray(pillow_heif.open_heif(io.BytesIO(data)))


def direct_jpegli(image: np.ndarray, quality: int, params: dict[str, Any]) -> tuple[bytes, np.ndarray]:
    """pyjpegli encodes; the plugin decodes with Pillow (libjpeg-turbo), so the baseline does too."""
    import pyjpegli

    data = pyjpegli.encode(image, image.shape[1], image.shape[0], quality=quality)
    return data, _pillow_decode(data)


DIRECT: dict[str, Direct] = {"jpeg": direct_jpeg, "webp": direct_webp, "hevc": direct_hevc, "jpegli": direct_jpegli}


def default_images(n_bsds: int) -> list[Path]:
    """The shipped sample photos plus the first ``n_bsds`` BSDS500 validation photos, when present."""
    images = sorted((ROOT / "samples").glob("*.jpg"))
    if BSDS_VAL.is_dir():
        images += sorted(BSDS_VAL.glob("*.jpg"))[:n_bsds]
    return images


def check_same_output(
    name: str, codec: kuchen_core.Codec, direct: Direct, images: Sequence[np.ndarray], quality: int
) -> None:
    """Both paths must write the same file and decode the same pixels, or the timing compares different work."""
    for index, image in enumerate(images):
        result = kuchen_core.encode_and_measure(image, codec, quality)
        data, decoded = direct(image, quality, codec.params)
        if result.data != data or not np.array_equal(result.decoded, decoded):
            raise SystemExit(f"{name}: Kuchen and the direct call differ on image {index}; settings do not match")


def time_pair(
    codec: kuchen_core.Codec, direct: Direct, images: Sequence[np.ndarray], quality: int, passes: int
) -> tuple[list[float], list[float]]:
    """Seconds per full pass over ``images`` for each path, alternating which path runs first per image."""
    paths = {
        "kuchen": lambda image: kuchen_core.encode_and_measure(image, codec, quality),
        "direct": lambda image: direct(image, quality, codec.params),
    }
    runs: dict[str, list[float]] = {"kuchen": [], "direct": []}
    gc.collect()
    gc.disable()
    try:
        for number in range(passes):
            totals = dict.fromkeys(paths, 0.0)
            for index, image in enumerate(images):
                order = ("kuchen", "direct") if (number + index) % 2 == 0 else ("direct", "kuchen")
                for path in order:
                    start = time.perf_counter()
                    paths[path](image)
                    totals[path] += time.perf_counter() - start
            for path, total in totals.items():
                runs[path].append(total)
    finally:
        gc.enable()
    return runs["kuchen"], runs["direct"]


def measure(
    names: Sequence[str], images: Sequence[np.ndarray], quality: int, repeats: int, min_seconds: float
) -> list[dict[str, Any]]:
    """Fast codecs get more passes (at least ``min_seconds`` per path) so a stray context switch cannot tip the median."""
    registry = kuchen_core.get_registry()
    rows = []
    for name in names:
        codec = registry.create("codec", name)  # the registry lookup happens once, outside the timing
        direct = DIRECT[name]
        start = time.perf_counter()
        check_same_output(name, codec, direct, images, quality)  # doubles as the warm-up
        one_pass = (time.perf_counter() - start) / 2
        passes = max(repeats, math.ceil(min_seconds / one_pass))
        kuchen_runs, direct_runs = time_pair(codec, direct, images, quality, passes)
        rows.append(
            {
                "codec": codec.spec,
                "name": name,
                "direct_ms": 1000 * statistics.median(direct_runs),
                "kuchen_ms": 1000 * statistics.median(kuchen_runs),
                "ratio": statistics.median(k / d for k, d in zip(kuchen_runs, direct_runs)),
                "passes": passes,
                "versions": codec.library_versions(),
            }
        )
    return rows


def table(rows: Sequence[dict[str, Any]], max_ratio: float) -> str:
    lines = [
        "| codec | passes | direct ms / pass | Kuchen ms / pass | ratio | limit |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        limit = f"≤ {max_ratio:.2f}" if row["name"] in GATED else "(not gated)"
        lines.append(
            f"| `{row['codec']}` | {row['passes']} | {row['direct_ms']:.1f} | {row['kuchen_ms']:.1f} | "
            f"{row['ratio']:.3f} | {limit} |"
        )
    return "\n".join(lines)


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in _cpuinfo() if line.startswith("model name")), "unknown CPU")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = f", 1-min load average {os.getloadavg()[0]:.1f} incl. this run" if hasattr(os, "getloadavg") else ""
    return (
        f"{model}, {cores} cores usable, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}{load}"
    )


def _cpuinfo() -> list[str]:
    try:
        return Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return []


def section(
    rows: Sequence[dict[str, Any]],
    command: str,
    paths: Sequence[Path],
    images: Sequence[np.ndarray],
    quality: int,
    repeats: int,
    min_seconds: float,
    max_ratio: float,
) -> str:
    megapixels = sum(img.shape[0] * img.shape[1] for img in images) / 1e6
    versions = "; ".join(
        f"`{row['name']}`: " + ", ".join(f"{k} {v}" for k, v in row["versions"].items()) for row in rows
    )
    names = ", ".join(p.name for p in paths)
    return f"""{SECTION}

Encode + decode of the same images through Kuchen (`kuchen_core.encode_and_measure`, no
metrics; the codec looked up in the registry once) versus the wrapped library called directly
with the same settings (Pillow `save`/`open` for `jpeg` and `webp`, `pillow_heif` for `hevc`,
`pyjpegli.encode` plus the same Pillow decode for `jpegli`). Both paths are first checked to
write identical bytes and decode identical pixels. They alternate image by image; a pass is
one run over all images; each codec gets at least {repeats} passes and at least {min_seconds:g} s per
path; times are medians over the passes and the ratio is the median of the per-pass
Kuchen/direct ratios. Quality {quality}, default parameters.

```
{command}
```

Machine: {machine()}. Images: {len(images)} photos, {megapixels:.2f} MP in all ({names}).

{table(rows, max_ratio)}

Libraries: {versions}.

The ratio includes what the pipeline adds around the codec: quality and image checks, the
decoded-shape check, a copy of the decoded pixels into a fresh writable array, and the
result record. On a shared machine the absolute times move with other load from run to run;
the paired per-pass ratio cancels most of that and is what the script checks: it exits
non-zero when `jpeg`, `webp` or `hevc` exceeds {max_ratio:.2f}.
"""


def write_section(path: Path, text: str) -> None:
    """Replace this script's section of ``path`` (or append it), leaving the rest of the file alone."""
    old = path.read_text() if path.exists() else "# Benchmarks\n"
    lines = old.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.rstrip() == SECTION), None)
    if start is None:
        new = old.rstrip("\n") + "\n\n" + text
    else:
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
        tail = "".join(lines[end:])
        new = "".join(lines[:start]) + text + ("\n" + tail if tail else "")
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(new)
    os.replace(tmp, path)


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("images", nargs="*", type=Path, help="image files [default: samples/ + BSDS500 val photos]")
    parser.add_argument("--repeats", type=int, default=9, help="least timed passes over the images [default: 9]")
    parser.add_argument(
        "--min-seconds",
        type=float,
        default=2.0,
        help="least time per path and codec; fast codecs get more passes [default: 2]",
    )
    parser.add_argument("--quality", type=int, default=75, help="codec quality for every codec [default: 75]")
    parser.add_argument("--codecs", default=",".join(DIRECT), help="comma-separated codecs [default: %(default)s]")
    parser.add_argument("--bsds", type=int, default=5, help="BSDS500 val photos added by default [default: 5]")
    parser.add_argument("--max-ratio", type=float, default=1.10, help="limit for jpeg/webp/hevc [default: 1.10]")
    parser.add_argument("--write-docs", action="store_true", help=f"write the results into {DOCS.relative_to(ROOT)}")
    args = parser.parse_args(argv)
    unknown = [name for name in args.codecs.split(",") if name not in DIRECT]
    if unknown:
        parser.error(f"no direct baseline for {', '.join(unknown)}; choose from {', '.join(DIRECT)}")
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(argv)
    paths = args.images or default_images(args.bsds)
    if not paths:
        raise SystemExit("no images: pass image paths")
    images = [kuchen_core.load_image(path) for path in paths]
    rows = measure(args.codecs.split(","), images, args.quality, args.repeats, args.min_seconds)
    print(f"{len(images)} images, quality {args.quality}; {machine()}")
    print(table(rows, args.max_ratio))
    if args.write_docs:
        command = "python benchmarks/codec_overhead.py " + " ".join(shlex.quote(a) for a in argv)
        write_section(
            DOCS,
            section(rows, command.strip(), paths, images, args.quality, args.repeats, args.min_seconds, args.max_ratio),
        )
        print(f"wrote {DOCS}")
    over = [row["codec"] for row in rows if row["name"] in GATED and row["ratio"] > args.max_ratio]
    if over:
        print(f"overhead above {args.max_ratio:.2f}x for: {', '.join(over)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
