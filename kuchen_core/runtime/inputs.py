"""Finding input images, the same way for ``compress``, ``methods apply``, ``label`` and ``bench``:
folders (their image files, sorted, not recursive), globs (``**`` recurses), single files and
``.txt`` lists (one path per line, relative to the list's folder; ``#`` starts a comment), in the
order given, each file once."""

from __future__ import annotations

import glob
import itertools
import os
from pathlib import Path, PurePath
from typing import Iterator, Sequence

import attrs

from .config import ConfigError

IMAGE_SUFFIXES = frozenset(
    {
        ".png",
        ".jpg",
        ".jpeg",
        ".tif",
        ".tiff",
        ".bmp",
        ".webp",
        ".ppm",
        ".pgm",
        ".gif",
        ".heic",
        ".heif",
        ".avif",
        ".jxl",
    }
)
_MAGIC = set("*?[")


@attrs.frozen
class FoundImage:
    """``path`` as found; ``name`` as the user gave it (what outputs show); ``base`` the folder the
    entry names, so ``path`` relative to ``base`` mirrors where the image sits under it."""

    path: Path
    name: str
    base: Path


def glob_base(pattern: str) -> Path:
    """The leading folders of ``pattern`` that contain no wildcard (``.`` when there are none)."""
    return Path(*itertools.takewhile(lambda part: not _MAGIC & set(part), PurePath(pattern).parts[:-1]))


def _is_image(path: Path) -> bool:
    return path.suffix.lower() in IMAGE_SUFFIXES and path.is_file()


def _from_entry(entry: str, strict: bool, error: type[ConfigError]) -> Iterator[FoundImage]:
    path = Path(entry)
    if _MAGIC & set(entry):
        base = glob_base(entry)
        yield from (
            FoundImage(Path(n), n, base) for n in sorted(glob.glob(entry, recursive=True)) if _is_image(Path(n))
        )
    elif path.is_dir():
        yield from (FoundImage(p, str(p), path) for p in sorted(path.iterdir()) if _is_image(p))
    elif path.suffix.lower() == ".txt":
        yield from _from_list(path, error)
    elif path.is_file() or not strict:  # not strict: a missing file is that file's own failure later
        yield FoundImage(path, entry, path.parent)
    else:
        raise error(f"{entry}: no such file or folder")


def _from_list(path: Path, error: type[ConfigError]) -> Iterator[FoundImage]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise error(f"cannot read the image list {path}: {exc}") from None
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if line:
            target = Path(line) if Path(line).is_absolute() else path.parent / line
            if not target.is_file():
                raise error(f"{path}: listed image {line} does not exist ({target})")
            yield FoundImage(target, os.path.normpath(str(target)), target.parent)


def find_images(
    entries: Sequence[str], strict: bool = True, error: type[ConfigError] = ConfigError
) -> list[FoundImage]:
    """Every image the entries name, in order, each file once (however it is reached).
    ``strict``: an entry naming no file or folder is an ``error`` (else it is returned as given)."""
    found: dict[str, FoundImage] = {}
    for entry in entries:
        for image in _from_entry(str(entry), strict, error):
            found.setdefault(str(image.path.resolve()), image)
    return list(found.values())
