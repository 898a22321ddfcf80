"""The labeler's input images, each with a label path that mirrors its place under the folder its entry names."""

from __future__ import annotations

import os
from pathlib import Path

import attrs

from ..idlists import read_id_list
from ..runtime.inputs import find_images
from .config import LabelConfig, LabelConfigError


@attrs.frozen
class InputImage:
    """``path`` is absolute (what workers read); ``name`` is as globbed (what the manifest shows)."""

    path: str
    name: str
    label_rel: str


def discover(config: LabelConfig) -> list[InputImage]:
    """Image files matching the config's globs and ``ids`` list, sorted and de-duplicated, at most
    ``limit`` of them."""
    try:
        wanted = read_id_list(config.ids) if config.ids is not None else None
    except ValueError as exc:
        raise LabelConfigError(f"ids: {exc}") from None
    images = sorted(
        (
            InputImage(
                str(image.path.resolve()),
                image.name,
                Path(os.path.relpath(image.path, image.base)).with_suffix(".png").as_posix(),
            )
            for image in find_images(config.inputs, error=LabelConfigError)
            if wanted is None or image.path.stem in wanted
        ),
        key=lambda image: image.name,
    )
    if not images:
        listed = f" with a name in {config.ids}" if config.ids is not None else ""
        raise LabelConfigError(f"no image files match input {list(config.inputs)}{listed}")
    images = images[: config.limit]
    owners: dict[str, str] = {}
    for image in images:
        other = owners.setdefault(image.label_rel, image.name)
        if other != image.name:
            raise LabelConfigError(
                f"{other} and {image.name} would both be labelled {image.label_rel}; rename one or narrow the input globs"
            )
    return images
