"""Training pairs (network input, target), as uint8 H×W×3 arrays held in memory.

Four sources, one shape:
- ``manifest``: a labeling run — the original image in, its winning group's label out
  (pre-processing: the network learns to produce the label in one pass);
- ``codec``: originals encoded with a real codec at each quality — decoded in, original out
  (post-processing, the RRDB paper's setting, and artifact removal);
- ``pairs``: two folders with files of the same stem;
- ``images``: originals alone, as (original, original), for the rate-distortion objective.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Callable, Iterable

import attrs
import numpy as np

from ..idlists import read_id_list
from ..images import load_image
from ..pipeline import encode_and_measure
from ..registry import get_registry
from ..runtime.files import file_sha256
from ..runtime.inputs import find_images
from .config import DataConfig, TrainConfigError


@attrs.frozen(eq=False)
class Pair:
    name: str
    input: np.ndarray
    target: np.ndarray


@attrs.frozen(eq=False)
class PairSet:
    """The pairs plus a content hash of everything that made them (recorded in checkpoints)."""

    pairs: list[Pair]
    data_hash: str
    description: dict


Progress = Callable[[Iterable, str, int], Iterable]  # wraps a loop: (items, description, total) -> items
Loaded = tuple[list[Pair], list[Any]]  # the pairs, and what identifies the files they came from


def load_pairs(config: DataConfig, progress: Progress | None = None) -> PairSet:
    """Build every pair of ``config``; ``progress`` wraps the per-image loop (a tqdm, say)."""
    progress = progress or (lambda items, desc, total: items)
    loader = {"manifest": _from_manifest, "codec": _from_codec, "pairs": _from_folders, "images": _from_images}[
        config.source
    ]
    pairs, hashed = loader(config, progress)
    if not pairs:
        raise TrainConfigError(f"data source {config.source!r} produced no training pairs ({config.describe()})")
    digest = hashlib.sha256(json.dumps({"data": config.describe(), "files": hashed}, sort_keys=True).encode())
    return PairSet(pairs, digest.hexdigest(), config.describe())


def training_images(config: DataConfig) -> list[Path]:
    """The images of ``images`` (globs, folders, files, lists), filtered by an ``ids`` list of stems, sorted, limited."""
    found = sorted({image.path for image in find_images(config.images, error=TrainConfigError)})
    if config.ids:
        try:
            wanted = read_id_list(config.ids)
        except ValueError as exc:
            raise TrainConfigError(str(exc)) from None
        found = [p for p in found if p.stem in wanted]
    found = found[: config.limit]
    if not found:
        raise TrainConfigError(
            f"no images match {list(config.images)}" + (f" with ids from {config.ids}" if config.ids else "")
        )
    return found


def _from_codec(config: DataConfig, progress: Progress) -> Loaded:
    codec = get_registry().create("codec", str(config.codec))
    files = training_images(config)
    pairs: list[Pair] = []
    hashed: list[Any] = []
    for path in progress(files, f"{codec.name} pairs", len(files)):
        original = load_image(path)
        hashed.append(file_sha256(path))
        for quality in config.qualities:
            decoded = encode_and_measure(original, codec, quality).decoded
            pairs.append(Pair(f"{path.stem}@{codec.name}{quality}", decoded, original))
    hashed.append({"codec": codec.spec, "versions": codec.library_versions()})
    return pairs, hashed


def _from_images(config: DataConfig, progress: Progress) -> Loaded:
    files = training_images(config)
    pairs, hashed = [], []
    for path in progress(files, "images", len(files)):
        original = load_image(path)
        pairs.append(Pair(path.stem, original, original))
        hashed.append(file_sha256(path))
    return pairs, hashed


def _from_manifest(config: DataConfig, progress: Progress) -> Loaded:
    manifest = Path(str(config.manifest))
    try:
        rows = [json.loads(line) for line in manifest.read_text().splitlines() if line.strip()]
    except FileNotFoundError:
        raise TrainConfigError(f"{manifest}: no such manifest (run `kuchen label` first)") from None
    wanted = set(config.qualities)
    jobs = []
    for row in rows:
        source = _find_input(row["image"], manifest.parent)
        for result in row["results"]:
            if result.get("label") and (not wanted or result["quality"] in wanted):
                jobs.append((source, manifest.parent / result["label"], result["quality"]))
    jobs = jobs[: config.limit]
    pairs, hashed = [], []
    for source, label, quality in progress(jobs, "manifest pairs", len(jobs)):
        original, target = load_image(source), load_image(label)
        if original.shape != target.shape:
            raise TrainConfigError(f"{label}: label size {target.shape} differs from its input {original.shape}")
        pairs.append(Pair(f"{source.stem}@{quality}", original, target))
        hashed.append([file_sha256(source), file_sha256(label)])
    return pairs, hashed


def _from_folders(config: DataConfig, progress: Progress) -> Loaded:
    inputs, targets = Path(str(config.inputs)), Path(str(config.targets))
    by_stem = {image.path.stem: image.path for image in find_images([str(targets)])} if targets.is_dir() else {}
    sources = [image.path for image in find_images([str(inputs)])] if inputs.is_dir() else []
    if not sources:
        raise TrainConfigError(f"{inputs}: no input images")
    unmatched = [p.name for p in sources if p.stem not in by_stem]
    if unmatched:
        raise TrainConfigError(
            f"{targets}: no target for {', '.join(unmatched[:5])}" + (" …" if len(unmatched) > 5 else "")
        )
    sources = sources[: config.limit]
    pairs, hashed = [], []
    for source in progress(sources, "pairs", len(sources)):
        a, b = load_image(source), load_image(by_stem[source.stem])
        if a.shape != b.shape:
            raise TrainConfigError(f"{source.name}: input {a.shape} and target {b.shape} differ in size")
        pairs.append(Pair(source.stem, a, b))
        hashed.append([file_sha256(source), file_sha256(by_stem[source.stem])])
    return pairs, hashed


def _find_input(name: str, manifest_dir: Path) -> Path:
    """Manifest rows name inputs as globbed at labeling time: try as-is, then beside the run."""
    for candidate in (Path(name), manifest_dir / name, manifest_dir.parent / name):
        if candidate.is_file():
            return candidate
    raise TrainConfigError(f"input image {name!r} of the manifest is not found (run from the labeling run's folder)")
