"""The bench's images: folders (their image files, sorted), globs, single files and ``.txt``
lists (one path per line, relative to the list's folder; ``#`` starts a comment), in the order
given, each file once."""
from __future__ import annotations

import glob
import hashlib
import os
from pathlib import Path
from typing import Iterable, Sequence

import attrs

from ..cli.common import IMAGE_SUFFIXES
from .errors import BenchConfigError

_MAGIC = set("*?[")


@attrs.frozen
class BenchImage:
    """``path`` is absolute (what workers read); ``name`` is as given (what outputs show)."""

    path: str
    name: str


def _from_entry(entry: str) -> list[tuple[Path, str]]:
    if _MAGIC & set(entry):
        return [(Path(name), name) for name in sorted(glob.glob(entry, recursive=True))
                if Path(name).suffix.lower() in IMAGE_SUFFIXES and Path(name).is_file()]
    path = Path(entry)
    if path.is_dir():
        return [(p, str(p)) for p in sorted(path.iterdir()) if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()]
    if path.suffix.lower() == ".txt":
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise BenchConfigError(f"cannot read the image list {entry}: {exc}") from None
        found = []
        for line in lines:
            line = line.split("#", 1)[0].strip()
            if line:
                target = Path(line) if Path(line).is_absolute() else path.parent / line
                if not target.is_file():
                    raise BenchConfigError(f"{entry}: listed image {line} does not exist ({target})")
                found.append((target, os.path.normpath(str(target))))
        return found
    if not path.is_file():
        raise BenchConfigError(f"--images {entry}: no such file or folder")
    return [(path, entry)]


def discover(entries: Sequence[str], limit: int | None = None) -> list[BenchImage]:
    """Every image the entries name, in order, de-duplicated, at most ``limit`` of them."""
    found: dict[str, BenchImage] = {}
    for entry in entries:
        for path, name in _from_entry(entry):
            absolute = str(path.resolve())
            found.setdefault(absolute, BenchImage(absolute, name))
    images = list(found.values())
    if not images:
        raise BenchConfigError(f"no image files in {list(entries)}")
    return images[:limit] if limit is not None else images


def file_sha256(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def list_hash(pairs: Iterable[tuple[str, str]]) -> str:
    """SHA-256 of the image list: one ``name<TAB>sha256`` line per image, in order."""
    return hashlib.sha256("".join(f"{name}\t{sha}\n" for name, sha in pairs).encode("utf-8")).hexdigest()
