"""A small content-addressed store of JSON records: ``<root>/ab/cdef….json``.

Keys are SHA-256 digests of canonical JSON describing *what was computed* (image bytes hash,
plugin specs and versions, codec and quality …), so a changed input or plugin simply misses.
Writes go to a temporary file in the same folder and are renamed into place: a process
killed at any instant leaves either the old state or the complete record, never half a file.
Any process (pool worker, Dask worker on shared storage) may read and write concurrently.
"""
from __future__ import annotations

import hashlib
import json
import os
import uuid
from pathlib import Path
from typing import Any


def content_key(description: Any) -> str:
    """SHA-256 hex digest of the canonical JSON of ``description``."""
    text = json.dumps(description, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class ContentCache:
    """JSON records addressed by key; a missing or unreadable record is a miss, never an error."""

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
        return value if isinstance(value, dict) else None

    def put(self, key: str, value: dict[str, Any]) -> None:
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
        try:
            with open(tmp, "w", encoding="utf-8") as handle:
                json.dump(value, handle, separators=(",", ":"), ensure_ascii=False)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)

    def __contains__(self, key: str) -> bool:
        return self.path(key).is_file()

    def __len__(self) -> int:
        return sum(1 for _ in self.root.glob("??/*.json"))
