"""``kuchen methods``: inspect a method's parameters and run a chain of methods on images."""

from __future__ import annotations

from pathlib import Path

import click

from ..images import load_image, save_image
from ..pipeline import apply_methods
from .common import (
    build_list,
    inputs_and_out,
    progress_options,
    report_failures,
    run_on_files,
    show_progress,
    spec_completer,
)
from .show_cmd import show


@click.group("methods")
def methods_group() -> None:
    """Inspect and run preprocessing / post-processing methods."""


@methods_group.command("show")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print the record as JSON.")
def show_command(name: str, as_json: bool) -> None:
    """Describe a method (the same as `kuchen show method NAME`)."""
    show("method", name, as_json)


@methods_group.command("apply")
@click.option(
    "--pre",
    "chain",
    required=True,
    shell_complete=spec_completer("method"),
    help="Comma-separated methods, applied in order, e.g. 'nlmeans,detail'.",
)
@inputs_and_out("Folder for the processed PNG files.")
@progress_options
def apply_command(inputs: tuple[str, ...], chain: str, out_dir: Path, quiet: bool, progress: bool | None) -> None:
    """Apply a chain of methods to INPUTS (files or folders) and save lossless PNGs."""
    methods = build_list("method", chain, "--pre")

    def work(path: Path, target: Path) -> None:
        save_image(target, apply_methods(load_image(path), methods))

    report_failures(run_on_files(inputs, out_dir, ".png", work, "apply", show_progress(progress, quiet)))
