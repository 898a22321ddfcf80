"""Find the input images and give each a label path that mirrors its place under its glob's base."""
from __future__ import annotations

import glob
import os
from pathlib import Path, PurePath
from typing import Sequence

import attrs

from ..cli.common import IMAGE_SUFFIXES
from ..idlists import read_id_list
from .config import LabelConfig
from .errors import LabelConfigError

_MAGIC = set("*?[")


@attrs.frozen
class InputImage:
    """``path`` is absolute (what workers read); ``name`` is as globbed (what the manifest shows)."""

    path: str
    name: str
    label_rel: str


def glob_base(pattern: str) -> Path:
    """The leading folders of ``pattern`` that contain no wildcard."""
    parts = PurePath(pattern).parts
    static = []
    for part in parts[:-1]:
        if _MAGIC & set(part):
            break
        static.append(part)
    return Path(*static) if static else Path(".")


def discover(config: LabelConfig) -> list[InputImage]:
    """Image files matching the config's globs and ``ids`` list, sorted and de-duplicated, at most
    ``limit`` of them."""
    wanted = _wanted_stems(config)
    found: dict[str, InputImage] = {}
    for pattern in config.inputs:
        base = glob_base(pattern)
        for name in sorted(glob.glob(pattern, recursive=True)):
            path = Path(name)
            if path.suffix.lower() not in IMAGE_SUFFIXES or not path.is_file():
                continue
            if wanted is not None and path.stem not in wanted:
                continue
            absolute = str(path.resolve())
            if absolute not in found:
                label_rel = Path(os.path.relpath(path, base)).with_suffix(".png").as_posix()
                found[absolute] = InputImage(absolute, name, label_rel)
    images = sorted(found.values(), key=lambda image: image.name)
    if not images:
        listed = f" with a name in {config.ids}" if config.ids is not None else ""
        raise LabelConfigError(f"no image files match input {list(config.inputs)}{listed}")
    if config.limit is not None:
        images = images[: config.limit]
    _check_unique_labels(images)
    return images


def _wanted_stems(config: LabelConfig) -> frozenset[str] | None:
    if config.ids is None:
        return None
    try:
        return read_id_list(config.ids)
    except ValueError as exc:
        raise LabelConfigError(f"ids: {exc}") from None


def _check_unique_labels(images: Sequence[InputImage]) -> None:
    owners: dict[str, str] = {}
    for image in images:
        other = owners.setdefault(image.label_rel, image.name)
        if other != image.name:
            raise LabelConfigError(
                f"{other} and {image.name} would both be labelled {image.label_rel}; rename one or narrow the input globs"
            )
