"""Make the VQscore training and validation sets: photos under the distortions a compression
pipeline produces, each labelled with its full-reference SSIMULACRA2 against the untouched photo.

Training (CBSD432): per photo, ``--per-image`` distortions drawn at random (codecs at random
qualities, blur, noise, sharpening, denoising, the pool's methods and chains of a method and a
codec, plus the untouched photo); each version is scored **whole** against the photo, and
``--crops`` random crops of ``--crop`` px (on the 8-px JPEG grid) are kept, each labelled with that
whole-photo score. The metric averages its crops' predictions into one score for the photo, so
each crop learns to predict the photo's score: a crop's own SSIMULACRA2 would be the wrong target,
since SSIMULACRA2's coarse scales see much more of a whole photo and punish lost detail harder
there. Validation (CBSD68): whole distorted photos scored whole, the way the metric is used.
SSIMULACRA2 is clipped to 0-100. One ``.npz`` per photo, written atomically, so a killed run
resumes where it stopped.

    python plugins/kuchen-plugin-vqscore/training/make_dataset.py --out runs/vqscore-data --jobs 2
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, Callable

import numpy as np
from PIL import Image, ImageFilter
from tqdm import tqdm

from kuchen_core import get_registry, load_image, write_atomic

SHARED = Path(__file__).resolve().parents[3] / ".." / "shared" / "data"

# (kind, weight): codecs dominate because the metric's job is judging codec output.
KINDS = (
    ("jpeg", 5),
    ("webp", 3),
    ("hevc", 3),
    ("blur", 1),
    ("noise", 1),
    ("sharpen", 1),
    ("nlmeans", 1),
    ("detail", 1),
    ("ar", 1),
    ("resample", 1),
    ("chain", 3),
)
QUALITY = {"jpeg": (3, 98), "webp": (0, 98), "hevc": (1, 95)}

_tools: dict[str, Any] = {}


def tool(kind: str, name: str, **params: Any) -> Any:
    key = f"{kind}:{name}:{sorted(params.items())}"
    if key not in _tools:
        _tools[key] = get_registry().create(kind, name, **params)
    return _tools[key]


def codec_pass(image: np.ndarray, name: str, quality: int) -> np.ndarray:
    codec = tool("codec", name)
    return codec.decode(codec.encode(image, quality))


def pil_filter(image: np.ndarray, filt: ImageFilter.Filter) -> np.ndarray:
    return np.asarray(Image.fromarray(image).filter(filt))


def simple(kind: str, image: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """One distortion of ``kind`` with random strength, and its description."""
    if kind in QUALITY:
        low, high = QUALITY[kind]
        quality = int(rng.integers(low, high + 1))
        return codec_pass(image, kind, quality), f"{kind}(q={quality})"
    if kind == "blur":
        sigma = float(rng.uniform(0.3, 3.0))
        return pil_filter(image, ImageFilter.GaussianBlur(sigma)), f"blur(sigma={sigma:.2f})"
    if kind == "noise":
        sigma = float(rng.uniform(1.0, 25.0))
        noisy = image.astype(np.float32) + rng.normal(0.0, sigma, image.shape)
        return np.clip(np.rint(noisy), 0, 255).astype(np.uint8), f"noise(sigma={sigma:.1f})"
    if kind == "sharpen":
        percent = int(rng.integers(30, 200))
        filt = ImageFilter.UnsharpMask(radius=float(rng.uniform(0.5, 2.0)), percent=percent, threshold=0)
        return pil_filter(image, filt), f"unsharp(percent={percent})"
    if kind == "nlmeans":
        h = float(rng.uniform(2.0, 15.0))
        return tool("method", "nlmeans", h=h, h_color=h).apply(image), f"nlmeans(h={h:.1f})"
    if kind == "detail":
        strength = float(rng.uniform(0.5, 3.0))
        return tool("method", "detail", strength=strength).apply(image), f"detail(strength={strength:.2f})"
    if kind == "ar":
        return tool("method", "ar").apply(image), "ar"
    if kind == "resample":
        factor = float(rng.uniform(1.3, 4.0))
        height, width = image.shape[:2]
        small = Image.fromarray(image).resize(
            (max(1, round(width / factor)), max(1, round(height / factor))), Image.Resampling.BICUBIC
        )
        return np.asarray(small.resize((width, height), Image.Resampling.BICUBIC)), f"resample(x{factor:.2f})"
    raise ValueError(kind)


def distort(image: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, str]:
    kinds, weights = zip(*KINDS)
    kind = str(rng.choice(kinds, p=np.array(weights) / sum(weights)))
    if kind != "chain":
        return simple(kind, image, rng)
    method = str(rng.choice(["nlmeans", "detail", "ar", "blur", "sharpen", "noise"]))
    codec = str(rng.choice(list(QUALITY)))
    first, what = simple(method, image, rng)
    second, how = simple(codec, first, rng)
    return second, f"{what}+{how}"


def ssimulacra2(distorted: np.ndarray, reference: np.ndarray) -> float:
    return float(np.clip(tool("metric", "ssimulacra2").score(distorted, reference), 0.0, 100.0))


def photo_rng(seed: int, path: Path) -> np.random.Generator:
    digest = hashlib.sha256(f"{seed}:{path.name}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def train_record(path: Path, args: argparse.Namespace) -> dict[str, np.ndarray]:
    rng = photo_rng(args.seed, path)
    original = load_image(path)
    height, width = original.shape[:2]
    crops, targets, names = [], [], []
    for i in range(args.per_image):
        distorted, name = (original, "original") if i == 0 else distort(original, rng)
        score = ssimulacra2(distorted, original)
        for _ in range(args.crops):
            top = int(rng.integers(0, (height - args.crop) // 8 + 1)) * 8
            left = int(rng.integers(0, (width - args.crop) // 8 + 1)) * 8
            crops.append(distorted[top : top + args.crop, left : left + args.crop])
            targets.append(score)
            names.append(name)
    return {"crops": np.stack(crops), "targets": np.array(targets, np.float32), "names": np.array(names)}


def val_record(path: Path, args: argparse.Namespace) -> dict[str, np.ndarray]:
    rng = photo_rng(args.seed + 1, path)
    original = load_image(path)
    record: dict[str, Any] = {}
    targets, names = [], []
    for i in range(args.val_per_image):
        distorted, name = (original, "original") if i == 0 else distort(original, rng)
        record[f"image{i}"] = distorted
        targets.append(ssimulacra2(distorted, original))
        names.append(name)
    return {**record, "targets": np.array(targets, np.float32), "names": np.array(names)}


def work(job: tuple[str, Path, Path, argparse.Namespace]) -> str:
    split, path, target, args = job
    import torch

    torch.set_num_threads(1)
    make: Callable[[Path, argparse.Namespace], dict[str, np.ndarray]] = train_record if split == "train" else val_record
    record = make(path, args)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **record)
    write_atomic(target, buffer.getvalue())
    return target.name


def photos(data: Path) -> dict[str, list[Path]]:
    train = [
        data / line.strip()
        for line in (data / "bsds500" / "CBSD432_train_list.txt").read_text().split()
        if line.strip()
    ]
    train_names = {p.name for p in train}
    val = sorted(p for p in (data / "bsds500" / "val").glob("*.jpg") if p.name not in train_names)
    return {"train": train, "val": val}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=SHARED, help="the shared data folder (bsds500/ inside)")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--per-image", type=int, default=16, help="distortions per training photo (first: untouched)")
    parser.add_argument("--crops", type=int, default=2, help="crops per training distortion")
    parser.add_argument("--crop", type=int, default=192, help="crop side in px (a multiple of 16)")
    parser.add_argument("--val-per-image", type=int, default=10, help="distortions per CBSD68 photo")
    parser.add_argument("--limit", type=int, default=0, help="use only the first N photos of each split")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    jobs = []
    for split, paths in photos(args.data).items():
        folder = args.out / split
        folder.mkdir(parents=True, exist_ok=True)
        for path in paths[: args.limit or None]:
            target = folder / f"{path.stem}.npz"
            if not target.is_file():
                jobs.append((split, path, target, args))
    with ProcessPoolExecutor(args.jobs) as pool:
        for _ in tqdm(pool.map(work, jobs), total=len(jobs), desc="photos", unit="photo"):
            pass


if __name__ == "__main__":
    main()
