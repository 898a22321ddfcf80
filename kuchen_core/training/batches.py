"""Patches and batches, deterministic in (seed, epoch) so a resumed or distributed run sees
exactly the batches an uninterrupted single-process run would have seen.
"""

from __future__ import annotations

import hashlib
from typing import Sequence

import numpy as np

from .config import TrainConfigError
from .pairs import Pair


def patch_grid(pairs: Sequence[Pair], width: int, height: int, stride: int) -> np.ndarray:
    """Every (pair, top, left) of a ``height``×``width`` window sliding by ``stride``."""
    rows = [
        (index, top, left)
        for index, pair in enumerate(pairs)
        for top in range(0, pair.input.shape[0] - height + 1, stride)
        for left in range(0, pair.input.shape[1] - width + 1, stride)
    ]
    if not rows:
        raise TrainConfigError(f"no {width}x{height} patch fits in any training image; lower patch_width/patch_height")
    return np.asarray(rows, dtype=np.int64)


def epoch_batches(n_patches: int, batch: int, seed: int, epoch: int, rank: int = 0, world: int = 1) -> list[np.ndarray]:
    """This rank's batches of patch indices for ``epoch``: one shuffle, split evenly across ranks."""
    order = np.random.default_rng([seed, epoch]).permutation(n_patches)
    per_rank = n_patches // world
    if per_rank < batch:
        raise TrainConfigError(f"{n_patches} patches are fewer than batch {batch} x {world} process(es)")
    mine = order[rank * per_rank : (rank + 1) * per_rank]
    return [mine[i : i + batch] for i in range(0, per_rank - batch + 1, batch)]


def assemble(
    pairs: Sequence[Pair], grid: np.ndarray, indices: np.ndarray, width: int, height: int, flips: int | None
) -> tuple[np.ndarray, np.ndarray]:
    """Cut the patches of one batch as N×3×h×w float32 arrays in [0, 1] (input, target), each flipped
    at random by the seed ``flips`` (None: no augmentation)."""
    inputs, targets = [], []
    for index in indices:
        p, top, left = grid[index]
        a = pairs[p].input[top : top + height, left : left + width]
        b = pairs[p].target[top : top + height, left : left + width]
        if flips is not None:
            flip_h, flip_v = np.random.default_rng([flips, int(index)]).integers(0, 2, size=2)
            if flip_h:
                a, b = a[:, ::-1], b[:, ::-1]
            if flip_v:
                a, b = a[::-1], b[::-1]
        inputs.append(a)
        targets.append(b)
    return _to_float(inputs), _to_float(targets)


def split_validation(pairs: Sequence[Pair], fraction: float, seed: int) -> tuple[list[Pair], list[Pair]]:
    """Hold out whole source images (all their qualities together), chosen by a seeded hash."""
    if fraction <= 0:
        return list(pairs), []
    stems = sorted({_source(p) for p in pairs})
    ranked = sorted(stems, key=lambda s: hashlib.sha256(f"{seed}:{s}".encode()).hexdigest())
    held = set(ranked[: max(1, round(fraction * len(stems)))]) if len(stems) > 1 else set()
    return [p for p in pairs if _source(p) not in held], [p for p in pairs if _source(p) in held]


def _source(pair: Pair) -> str:
    return pair.name.split("@", 1)[0]


def _to_float(patches: list[np.ndarray]) -> np.ndarray:
    stacked = np.stack(patches).astype(np.float32) / 255.0
    return np.ascontiguousarray(stacked.transpose(0, 3, 1, 2))
