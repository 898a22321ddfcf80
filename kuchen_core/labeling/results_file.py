"""Carry a labelling run's evaluations without its cache folder or its label images.

A run's costly part is one (image, group, quality) evaluation after another; each is a small
JSON record in the content cache. ``export_results`` writes the ones a plan uses into one
gzipped JSON-lines file (a few MB for hundreds of photos); ``seed_cache`` puts such records
into another cache. A seeded run then only scores, and applies each winner once to write its
label. A record made by other plugins or images is never used: it matches no content key.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import zlib
from pathlib import Path
from typing import Sequence

import attrs

from ..runtime.cache import ContentCache
from ..runtime.files import atomic_output, ensure_output_dir, file_sha256
from .config import LabelConfigError
from .inputs import InputImage
from .plan import LabelPlan

_KEY = re.compile(r"[0-9a-f]{64}")


@attrs.frozen
class ExportCount:
    results: int
    images: int
    complete_images: int


@attrs.frozen
class SeedCount:
    records: int
    added: int


def export_results(plan: LabelPlan, images: Sequence[InputImage], path: str | os.PathLike) -> ExportCount:
    """Write the cached evaluations of ``images`` under ``plan`` to ``path``, in image, group,
    quality order; the file is replaced only once it is complete."""
    cache = ContentCache(plan.cache_dir)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    results = complete = 0
    # no name, mtime=0: the same results give the same bytes, so a re-export does not churn a commit
    with (
        atomic_output(path) as tmp,
        open(tmp, "wb") as raw,
        gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as handle,
    ):
        for image in images:
            sha = file_sha256(image.path)
            keys = [plan.result_key(sha, group, quality) for group in plan.groups for quality in plan.qualities]
            found = [{"key": key, "result": record} for key in keys if (record := cache.get(key)) is not None]
            for item in found:
                handle.write((json.dumps(item, separators=(",", ":"), ensure_ascii=False) + "\n").encode())
            results += len(found)
            complete += len(found) == len(keys)
    return ExportCount(results, len(images), complete)


def seed_cache(paths: Sequence[str | os.PathLike], cache_dir: str | os.PathLike) -> SeedCount:
    """Put every record of the files at ``paths`` that ``cache_dir`` lacks into it. A file that
    is missing, truncated or not such a file is a :class:`LabelConfigError`, before any is read in."""
    entries = [entry for path in paths for entry in _read(Path(path))]
    cache = ContentCache(ensure_output_dir(cache_dir, "cache folder"))
    added = 0
    for key, record in entries:
        if key not in cache:
            cache.put(key, record)
            added += 1
    return SeedCount(len(entries), added)


def _read(path: Path) -> list[tuple[str, dict]]:
    entries = []
    try:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                try:
                    item = json.loads(line)
                except ValueError:
                    item = None
                if not (
                    isinstance(item, dict)
                    and isinstance(item.get("key"), str)
                    and _KEY.fullmatch(item["key"])
                    and isinstance(item.get("result"), dict)
                ):
                    raise LabelConfigError(f"seed file {path}, line {number}: not a record written by --export-results")
                entries.append((item["key"], item["result"]))
    except FileNotFoundError:
        raise LabelConfigError(f"seed file {path} does not exist") from None
    except (OSError, EOFError, zlib.error, UnicodeDecodeError) as exc:
        raise LabelConfigError(f"seed file {path} is not a complete gzip file of results ({exc})") from None
    return entries
