"""The bench's images (found as every command finds them, see :mod:`kuchen_core.runtime.inputs`)
and the hashes that identify them in its outputs."""

from __future__ import annotations

import hashlib
from typing import Iterable, Sequence

import attrs

from ..runtime.inputs import find_images
from .config import BenchConfigError


@attrs.frozen
class BenchImage:
    """``path`` is absolute (what workers read); ``name`` is as given (what outputs show)."""

    path: str
    name: str


def discover(entries: Sequence[str], limit: int | None = None) -> list[BenchImage]:
    """Every image the entries name, in order, de-duplicated, at most ``limit`` of them."""
    images = [
        BenchImage(str(image.path.resolve()), image.name) for image in find_images(entries, error=BenchConfigError)
    ]
    if not images:
        raise BenchConfigError(f"no image files in {list(entries)}")
    return images[:limit] if limit is not None else images


def list_hash(pairs: Iterable[tuple[str, str]]) -> str:
    """SHA-256 of the image list: one ``name<TAB>sha256`` line per image, in order."""
    return hashlib.sha256("".join(f"{name}\t{sha}\n" for name, sha in pairs).encode("utf-8")).hexdigest()
