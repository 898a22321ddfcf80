"""A small content-addressed store of JSON records: ``<root>/ab/cdef….json``.

Keys are SHA-256 digests of canonical JSON describing *what was computed* (image bytes hash,
plugin specs and versions, codec and quality …), so a changed input or plugin simply misses.
Writes are atomic (:func:`~kuchen_core.runtime.files.atomic_output`), and every record carries
the SHA-256 of its own payload (``_sha256``), checked on every read: a record edited by hand,
damaged, or written by a Kuchen that stored none is a miss, so it is computed again rather than
trusted. Any process (pool worker, Dask worker on shared storage) may read and write concurrently.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from .files import atomic_output

DIGEST = "_sha256"  # the record's own payload digest, stored beside the payload


def content_key(description: Any) -> str:
    """SHA-256 hex digest of the canonical JSON of ``description``."""
    text = json.dumps(description, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def pixels_digest(image: np.ndarray) -> str:
    """The short digest of an image's pixels that cached records store to recognise it."""
    return hashlib.sha256(np.ascontiguousarray(image).tobytes()).hexdigest()[:16]


def stored_pixels(path: Path, digest: str | None) -> np.ndarray | None:
    """The image at ``path`` when its pixels are the ones ``digest`` records (not damaged, not swapped), else None."""
    from ..images import load_image

    if digest is None or not path.is_file():
        return None
    try:
        pixels = load_image(path)
    except Exception:  # a damaged or unreadable file is a miss
        return None
    return pixels if pixels_digest(pixels) == digest else None


class ContentCache:
    """JSON records addressed by key; a missing, unreadable or altered record is a miss, never an error."""

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root)

    def path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key[2:]}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        try:
            with open(self.path(key), encoding="utf-8") as handle:
                value = json.load(handle)
        except (OSError, ValueError):
            return None
        if not isinstance(value, dict) or value.pop(DIGEST, None) != content_key(value):
            return None
        return value

    def put(self, key: str, value: dict[str, Any]) -> None:
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_output(path) as tmp, open(tmp, "w", encoding="utf-8") as handle:
            json.dump({**value, DIGEST: content_key(value)}, handle, separators=(",", ":"), ensure_ascii=False)

    def __contains__(self, key: str) -> bool:
        return self.get(key) is not None

    def __len__(self) -> int:
        return sum(1 for _ in self.root.glob("??/*.json"))
