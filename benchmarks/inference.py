"""Inference speed and memory of the network backbones, through Kuchen's tiled runner.

Speed: megapixels per second of ``kuchen_core.nn.run_tiled`` (uint8 in → uint8 out, 512-px tiles,
32-px overlap — what every network method does) on a photo crop, median of ``--repeats`` runs,
on the CPU (``--threads``) and, when CUDA is available, on the GPU with bf16 autocast.
Weights are freshly initialised: speed does not depend on their values.

Memory: each backbone processes the largest ``../shared/data/unsplash_hr`` photo (24 MP) in a
child process; the child's peak RSS is reported against a child that only loads the photo, so
the network's own share is visible. The issue's bound is 4 GiB on the CPU.

    python benchmarks/inference.py                      # every backbone, CPU (+ GPU if present)
    python benchmarks/inference.py --backbones unet --memory-only
    python benchmarks/inference.py --threads 1 --repeats 2 --memory-backbones 'unet,rrdb(blocks=2,unshuffle=2)'
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from kuchen_core.specs import split_specs

ROOT = Path(__file__).resolve().parents[1]
HR = ROOT.parent / "shared" / "data" / "unsplash_hr"
BACKBONES = ("unet", "rrdb(blocks=1,unshuffle=2)", "rrdb(blocks=2,unshuffle=2)", "arnet")
LIMIT_GIB = 4.0


def build(spec: str, device: str):
    import torch

    from kuchen_core import get_registry

    torch.manual_seed(0)
    return get_registry().create("backbone", spec).build().to(device).eval()


def forward_for(model, device: str):
    """The callable run_tiled uses: bf16 autocast on CUDA, plain float32 on the CPU."""
    import torch

    if not device.startswith("cuda"):
        return model

    def forward(batch):
        with torch.autocast("cuda", dtype=torch.bfloat16):
            return model(batch).float()

    return forward


def speed(spec: str, image: np.ndarray, device: str, repeats: int) -> float:
    import torch

    from kuchen_core.nn import run_tiled

    forward = forward_for(build(spec, device), device)
    run_tiled(forward, image[:512, :512], device=device)  # warm-up (allocator, cuDNN autotune)
    times = []
    for _ in range(repeats):
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        start = time.perf_counter()
        run_tiled(forward, image, device=device)
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return image.shape[0] * image.shape[1] / 1e6 / statistics.median(times)


def largest_photo() -> Path | None:
    from PIL import Image

    photos = sorted(HR.glob("*.jpg")) if HR.is_dir() else []
    return max(photos, key=lambda p: (lambda s: s[0] * s[1])(Image.open(p).size), default=None)


def child(spec: str, photo: str, threads: int) -> None:
    """Run in a subprocess: load the photo, run the backbone (unless spec is 'none'), print JSON."""
    import torch

    from kuchen_core import load_image
    from kuchen_core.nn import run_tiled

    torch.set_num_threads(threads)
    image = load_image(photo)
    start = time.perf_counter()
    if spec != "none":
        out = run_tiled(build(spec, "cpu"), image)
        assert out.shape == image.shape
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(json.dumps({"spec": spec, "seconds": elapsed, "peak_rss_gib": peak, "megapixels": image.size / 3e6}))


def memory(spec: str, photo: Path, threads: int) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--child", spec, str(photo), "--threads", str(threads)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backbones", default=",".join(BACKBONES), help="comma-separated backbone specs")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--memory-backbones", default=None, help="backbones for the 24 MP memory run [default: --backbones]"
    )
    parser.add_argument("--memory-only", action="store_true")
    parser.add_argument("--speed-only", action="store_true")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--child", nargs=2, metavar=("SPEC", "PHOTO"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(*args.child, args.threads)
        return 0
    import torch

    from kuchen_core import load_image
    from kuchen_core.testing import sample_photo

    torch.set_num_threads(args.threads)
    specs = split_specs(args.backbones)
    report = {
        "machine": f"{platform.processor() or platform.machine()}, {args.threads} CPU threads, "
        f"torch {torch.__version__}",
        "speed": [],
        "memory": [],
    }
    photo = largest_photo()
    if not args.memory_only:
        image = load_image(photo)[:1024, :1024].copy() if photo else np.tile(sample_photo(), (6, 8, 1))[:1024, :1024]
        devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
        for spec in specs:
            for device in devices:
                mps = speed(spec, image, device, args.repeats)
                report["speed"].append(
                    {
                        "backbone": spec,
                        "device": device,
                        "megapixels_per_s": mps,
                        "image": f"{image.shape[1]}x{image.shape[0]}",
                    }
                )
                print(f"{spec:16s} {device:5s} {mps:8.3f} MP/s on a {image.shape[1]}x{image.shape[0]} crop", flush=True)
    if not args.speed_only:
        if photo is None:
            print(f"memory: skipped, {HR} is absent", file=sys.stderr)
        else:
            base = memory("none", photo, args.threads)
            report["memory"].append(base)
            print(
                f"{'(load only)':16s} peak RSS {base['peak_rss_gib']:.2f} GiB for {photo.name} ({base['megapixels']:.1f} MP)"
            )
            for spec in split_specs(args.memory_backbones) if args.memory_backbones else specs:
                row = memory(spec, photo, args.threads)
                report["memory"].append(row)
                verdict = "ok" if row["peak_rss_gib"] <= LIMIT_GIB else f"OVER {LIMIT_GIB} GiB"
                print(
                    f"{spec:16s} peak RSS {row['peak_rss_gib']:.2f} GiB, {row['seconds']:.1f} s ({verdict})", flush=True
                )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    over = [r for r in report["memory"] if r["peak_rss_gib"] > LIMIT_GIB]
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
