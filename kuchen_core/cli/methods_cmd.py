"""``kuchen methods``: inspect a method's parameters and run a chain of methods on images."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ..images import load_image, save_image
from ..pipeline import apply_methods
from ..registry import get_registry
from .common import build_list, expand_inputs, plan_outputs, process_files, report_failures


@click.group("methods")
def methods_group() -> None:
    """Inspect and run preprocessing / post-processing methods."""


@methods_group.command("show")
@click.argument("name")
def show_command(name: str) -> None:
    """Print a method's description and parameters with their defaults."""
    cls = get_registry().get("method", name)
    click.echo(f"{cls.info.name}: {cls.info.description}")
    for param in cls.info.params:
        limits = [f"choices {list(param.choices)}" if param.choices else "",
                  f">= {param.minimum}" if param.minimum is not None else "",
                  f"<= {param.maximum}" if param.maximum is not None else ""]
        extra = ", ".join(x for x in limits if x)
        click.echo(f"  {param.name} = {param.default!r}  {param.description}" + (f" ({extra})" if extra else ""))


@methods_group.command("apply")
@click.argument("inputs", nargs=-1, required=True, type=click.Path())
@click.option("--pre", "chain", required=True, help="Comma-separated methods, applied in order, e.g. 'nlmeans,detail'.")
@click.option("-o", "--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the processed PNG files.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def apply_command(inputs: tuple[str, ...], chain: str, out_dir: Path, quiet: bool) -> None:
    """Apply a chain of methods to INPUTS (files or folders) and save lossless PNGs."""
    methods = build_list("method", chain)
    files = expand_inputs(inputs)
    targets = plan_outputs(files, out_dir, ".png")

    def work(path: Path) -> dict[str, Any]:
        save_image(targets[path], apply_methods(load_image(path), methods))
        return {"output": str(targets[path])}

    report_failures(process_files(files, work, "apply", quiet))
