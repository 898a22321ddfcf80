"""``kuchen compress``: preprocess, encode with a real codec, write the files, report bpp and quality."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from ..images import load_image
from ..pipeline import run_pipeline
from ..registry import get_registry
from ..runtime.files import write_atomic
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


@click.command("compress")
@click.option(
    "--codec",
    "codec_spec",
    required=True,
    shell_complete=spec_completer("codec"),
    help="Codec spec, e.g. jpeg or 'jpeg(subsampling=4:4:4)'.",
)
@click.option("--quality", "-q", required=True, type=int, help="Codec quality (see the codec's range).")
@click.option(
    "--pre",
    "pre",
    default="none",
    show_default=True,
    shell_complete=spec_completer("method"),
    help="Comma-separated methods applied before encoding, e.g. 'nlmeans(h=5),detail'.",
)
@click.option(
    "--metrics",
    "metric_specs",
    default=None,
    shell_complete=spec_completer("metric"),
    help="Comma-separated metrics against the input image [default: psnr if installed, else none].",
)
@inputs_and_out("Folder for the compressed files (created if missing).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per file instead of a table.")
@progress_options
def compress_command(
    inputs: tuple[str, ...],
    codec_spec: str,
    quality: int,
    pre: str,
    metric_specs: str | None,
    out_dir: Path,
    as_json: bool,
    quiet: bool,
    progress: bool | None,
) -> None:
    """Compress INPUTS (files or folders) and report bytes, bits per pixel and quality per file.

    bpp is 8 x (bytes of the written file) / (height x width). Full-reference metrics compare
    the decoded image with the original input, so a method that only blurs shows up as such.
    A file that fails is reported and skipped; the exit code is 1 if any failed.

    \b
    Example:
      kuchen compress samples/ --codec jpeg -q 50 --pre nlmeans --metrics psnr,ssimulacra2 -o out/
    """
    codec = build_one("codec", codec_spec)
    try:
        codec.check_quality(quality)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--quality") from None
    methods = build_list("method", pre, "--pre")
    default_metrics = "psnr" if "psnr" in get_registry().names("metric") else "none"
    metrics = build_list("metric", metric_specs or default_metrics, "--metrics")

    def work(path: Path, target: Path) -> dict[str, Any]:
        image = load_image(path)
        result = run_pipeline(image, codec, quality, methods=methods, metrics=metrics)
        write_atomic(target, result.data)
        row = {
            "input": str(path),
            "output": str(target),
            "codec": codec.spec,
            "quality": quality,
            "pre": [m.spec for m in methods],
            "width": image.shape[1],
            "height": image.shape[0],
            "bytes": result.n_bytes,
            "bpp": round(result.bpp, 5),
            **{k: round(v, 5) for k, v in result.scores.items()},
        }
        if as_json:
            click.echo(json.dumps(row))
        return row

    bars = show_progress(progress, quiet or (as_json and progress is None))
    outcomes = run_on_files(inputs, out_dir, codec.info.extension, work, f"compress {codec.spec} q={quality}", bars)
    if as_json:
        for outcome in outcomes:
            if outcome.error:
                click.echo(json.dumps({"input": str(outcome.path), "error": outcome.error}))
    else:
        _print_table([o.result for o in outcomes if o.result], [m.name for m in metrics])
    report_failures(outcomes)


def _print_table(rows: list[dict[str, Any]], metric_names: list[str]) -> None:
    if not rows:
        return
    headers = ["file", "bytes", "bpp", *metric_names]
    body = [
        [Path(r["output"]).name, str(r["bytes"]), f"{r['bpp']:.4f}", *(f"{r[m]:.4f}" for m in metric_names)]
        for r in rows
    ]
    if len(rows) > 1:
        total = sum(r["bytes"] for r in rows)
        pixels = sum(r["width"] * r["height"] for r in rows)
        means = [f"{sum(r[m] for r in rows) / len(rows):.4f}" for m in metric_names]
        body.append(["TOTAL / mean", str(total), f"{8 * total / pixels:.4f}", *means])
    widths = [max(len(h), *(len(line[i]) for line in body)) for i, h in enumerate(headers)]
    click.echo("  ".join(h.ljust(w) for h, w in zip(headers, widths)))
    for line in body:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(line, widths)))
