"""``kuchen decode``: turn compressed files back into PNGs, optionally through post-filters."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from PIL import Image

from ..images import save_image
from ..pipeline import apply_methods
from ..registry import get_registry
from .common import (
    build_list,
    build_one,
    inputs_and_out,
    progress_options,
    report_failures,
    run_on_files,
    show_progress,
    spec_completer,
)


def codec_for_suffix(suffix: str) -> Any:
    """The codec decoding files with this suffix: the one installed codec writing it, else the one named
    after the file format (the files are standard, so e.g. ``jpeg`` decodes what ``jpegli`` wrote)."""
    registry = get_registry()
    matches = registry.codecs_for_suffix(suffix)
    fmt = Image.registered_extensions().get(suffix.lower(), "").lower()
    if len(matches) > 1 and fmt in matches:
        matches = [fmt]
    if len(matches) != 1:
        found = (
            f"several codecs write {suffix}: {', '.join(matches)}" if matches else f"no installed codec writes {suffix}"
        )
        raise click.UsageError(f"{found}; choose one with --codec")
    return registry.create("codec", matches[0])


@click.command("decode")
@click.option(
    "--codec",
    "codec_spec",
    default=None,
    shell_complete=spec_completer("codec"),
    help="Codec to decode with [default: from the file suffix].",
)
@click.option(
    "--post",
    default="none",
    show_default=True,
    shell_complete=spec_completer("method"),
    help="Comma-separated methods applied after decoding.",
)
@inputs_and_out("Folder for the decoded PNG files.")
@progress_options
def decode_command(
    inputs: tuple[str, ...], codec_spec: str | None, post: str, out_dir: Path, quiet: bool, progress: bool | None
) -> None:
    """Decode compressed INPUTS (files or folders) to lossless PNG, optionally post-filtered."""
    post_methods = build_list("method", post, "--post")
    fixed = build_one("codec", codec_spec) if codec_spec else None

    def work(path: Path, target: Path) -> None:
        codec = fixed or codec_for_suffix(path.suffix)
        image = apply_methods(codec.decode(path.read_bytes()), post_methods)
        save_image(target, image)
        click.echo(f"{path} -> {target} ({image.shape[1]}x{image.shape[0]}, {codec.name})")

    report_failures(run_on_files(inputs, out_dir, ".png", work, "decode", show_progress(progress, quiet)))
