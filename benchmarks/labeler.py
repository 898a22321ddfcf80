"""Benchmark ``kuchen label`` (the docs/benchmarks.md "Labeler" section comes from this script).

(a) naive serial evaluation of every group vs the labeler with ``--jobs 1`` (prefix sharing);
(b) ``--jobs 2`` vs ``--jobs 1``: parallel efficiency T1 / (2·T2);
(c) a second run on a warm cache vs the first;
(d) peak RSS of ``kuchen label`` on 100 vs 400 small generated images.

Every labeler run is a real ``kuchen label`` subprocess (so times include start-up); the naive
baseline runs in this process with the same plugin objects. Library thread pools are pinned to
one thread in every run so (a) and (b) compare the algorithm and the executor, not OpenCV's
own threading. Needs the jpeg, nlmeans, detail, psnr and brisque plugins.

    python benchmarks/labeler.py                    # 24 BSDS500 val images (or generated ones)
    python benchmarks/labeler.py --images 8 --rss-images 40,160   # a quick look
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

THREADS = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENCV_FOR_THREADS_NUM": "1"}
os.environ.update(THREADS)  # before any plugin imports its library

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from kuchen_core import get_registry, load_image, run_pipeline, save_image  # noqa: E402
from kuchen_core.labeling import build_plan, discover, load_config  # noqa: E402
from kuchen_core.labeling.scoring import scores, winner  # noqa: E402
from kuchen_core.testing import sample_photo  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BSDS = ROOT.parent / "shared" / "data" / "bsds500" / "val"
POOL = ["nlmeans", "detail", "nlmeans(h=8,h_color=8)"]
KUCHEN = [sys.executable, "-c", "from kuchen_core.cli import main; main()"]


def config(inputs: str, output: Path, limit: int | None = None, pool: list[str] = POOL) -> str:
    methods = ", ".join(f'"{m}"' for m in pool)
    return (
        f'input = "{inputs}"\noutput = "{output}"\n'
        + (f"limit = {limit}\n" if limit else "")
        + f"[pool]\nmethods = [{methods}]\nmax_group_size = 2\n"
        '[codec]\nname = "jpeg"\nquality = 25\n'
        '[[metrics]]\nname = "brisque"\n[[metrics]]\nname = "psnr"\nweight = 0.5\n'
    )


def kuchen_label(config_path: Path, *args: str) -> float:
    """Wall time of one ``kuchen label`` run (a failure stops the benchmark)."""
    start = time.perf_counter()
    subprocess.run([*KUCHEN, "label", str(config_path), "--quiet", *args], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def peak_rss_mib(config_path: Path, *args: str) -> float:
    """Peak RSS of a ``kuchen label`` run and its workers, measured by a fresh parent process."""
    probe = (
        "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, *KUCHEN, "label", str(config_path), "--quiet", *args],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return int(out.split()[-1]) / 1024


def naive(config_path: Path, out: Path) -> tuple[float, list[str]]:
    """Algorithm 1 without prefix sharing, cache or executor: every group from scratch, serially."""
    plan_config = load_config(config_path)
    plan = build_plan(plan_config)
    images = discover(plan_config)
    registry = get_registry()
    methods = [registry.create("method", m.spec) for m in plan.methods]
    codec = registry.create("codec", plan.codec.spec)
    metrics = [registry.create("metric", m.component.spec) for m in plan.metrics]
    out.mkdir(parents=True, exist_ok=True)
    winners = []
    start = time.perf_counter()
    for image_info in images:
        image = load_image(image_info.path)
        results = [
            run_pipeline(image, codec, plan.qualities[0], [methods[i] for i in group], metrics) for group in plan.groups
        ]
        total, _, _ = scores(
            [[r.scores[m.name] for r in results] for m in metrics],
            [r.bpp for r in results],
            [m.weight for m in plan.metrics],
            [m.higher_is_better for m in plan.metrics],
            plan.rate_weight,
        )
        best = winner(total)
        save_image(out / image_info.label_rel, results[best].processed)
        winners.append(plan.group_name(plan.groups[best]))
    return time.perf_counter() - start, winners


def labeler_winners(output: Path) -> list[str]:
    rows = [json.loads(line) for line in (output / "manifest.jsonl").read_text().splitlines()]
    return [row["results"][0]["winner"] for row in rows]


def photos(folder: Path, count: int, size: int) -> str:
    """``count`` distinct size×size crops of the shipped sample photo, with mild noise; returns a glob."""
    folder.mkdir(parents=True, exist_ok=True)
    photo = sample_photo()
    rng = np.random.default_rng(0)
    big = np.asarray(Image.fromarray(photo).resize((photo.shape[1] * 3, photo.shape[0] * 3)))
    for i in range(count):
        top, left = rng.integers(0, big.shape[0] - size), rng.integers(0, big.shape[1] - size)
        crop = big[top : top + size, left : left + size].astype(np.int16) + rng.integers(-6, 7, (size, size, 3))
        Image.fromarray(np.clip(crop, 0, 255).astype(np.uint8)).save(folder / f"g{i:04d}.png")
    return str(folder / "*.png")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=24, help="images for (a)-(c) [24]")
    parser.add_argument("--rss-images", default="100,400", help="image counts for (d) [100,400]")
    parser.add_argument("--work", type=Path, default=None, help="scratch folder [a temporary one]")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # progress lines appear as they happen, even in a log file
    work = args.work or Path(tempfile.mkdtemp(prefix="kuchen-bench-labeler-"))
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    inputs = str(BSDS / "*.jpg") if BSDS.is_dir() else photos(work / "photos", args.images, 320)
    report: dict = {"images": args.images, "inputs": inputs, "pool": POOL, "cpus": os.cpu_count()}

    def run_config(name: str, limit: int | None = args.images, glob: str = inputs, pool: list[str] = POOL) -> Path:
        path = work / f"{name}.toml"
        path.write_text(config(glob, work / name, limit, pool))
        return path

    # (a) naive serial vs prefix-shared labeler, one job each
    naive_s, naive_winners = naive(run_config("naive"), work / "naive" / "labels")
    jobs1 = run_config("jobs1")
    first_s = kuchen_label(jobs1, "--jobs", "1")
    assert labeler_winners(work / "jobs1") == naive_winners, "naive and labeler disagree on winners"
    report["a"] = {"naive_s": naive_s, "labeler_jobs1_s": first_s, "speedup": naive_s / first_s}
    print(f"(a) naive serial {naive_s:.1f} s, kuchen label --jobs 1 {first_s:.1f} s: {naive_s / first_s:.2f}x")

    # (b) two jobs vs one, each on a cold cache
    jobs2_s = kuchen_label(run_config("jobs2"), "--jobs", "2")
    efficiency = first_s / (2 * jobs2_s)
    report["b"] = {"jobs1_s": first_s, "jobs2_s": jobs2_s, "efficiency": efficiency}
    print(f"(b) --jobs 2 {jobs2_s:.1f} s vs --jobs 1 {first_s:.1f} s: efficiency {100 * efficiency:.0f}%")

    # (c) the same run again, everything cached
    warm_s = kuchen_label(jobs1, "--jobs", "1")
    warm_inner = json.loads((work / "jobs1" / "summary.json").read_text())["elapsed_s"]
    report["c"] = {"first_s": first_s, "warm_s": warm_s, "warm_in_process_s": warm_inner, "speedup": first_s / warm_s}
    print(
        f"(c) warm cache {warm_s:.2f} s ({warm_inner:.2f} s inside the run) vs first {first_s:.1f} s: "
        f"{first_s / warm_s:.0f}x"
    )

    # (d) peak RSS from few to many small images
    counts = [int(n) for n in args.rss_images.split(",")]
    generated = photos(work / "small", max(counts), 96)
    report["d"] = {}
    for jobs in ("1", "2"):
        rss = {
            n: peak_rss_mib(run_config(f"rss{n}-j{jobs}", n, generated, ["nlmeans", "detail"]), "--jobs", jobs)
            for n in counts
        }
        growth = rss[counts[-1]] / rss[counts[0]] - 1
        report["d"][f"jobs{jobs}"] = {"peak_rss_mib": rss, "growth": growth}
        print(
            f"(d) --jobs {jobs} peak RSS "
            + ", ".join(f"{n} images {v:.0f} MiB" for n, v in rss.items())
            + f": {100 * growth:+.1f}%"
        )
    (work / "results.json").write_text(json.dumps(report, indent=2))
    print(f"results: {work / 'results.json'}")


if __name__ == "__main__":
    main()
