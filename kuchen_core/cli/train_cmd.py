"""``kuchen train``: fit a backbone from a TOML config; resumes when its output folder has a snapshot."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from .common import progress_options, show_progress


@click.command("train")
@click.argument("config_path", metavar="CONFIG", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", default=None, help="Output folder [default: the config's [train] out].")
@click.option("--epochs", type=int, default=None, help="Override [train] epochs.")
@click.option("--max-steps", type=int, default=None, help="Stop after this many optimizer steps in all.")
@click.option("--device", default=None, help="auto, cpu, cuda or cuda:N [default: auto].")
@click.option("--threads", type=int, default=None, help="CPU threads for torch.")
@click.option("--seed", type=int, default=None, help="Override [train] seed.")
@progress_options
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def train_command(
    config_path: Path, out: str | None, quiet: bool, as_json: bool, progress: bool | None, **overrides: Any
) -> None:
    """Train a backbone on (input, target) pairs described by CONFIG (TOML).

    \b
    [model] backbone = "unet(width=32)"        any registered backbone spec
    [data]  source = "codec" | "manifest" | "pairs" | "images" and its keys; [data.val] optional
    [rate_distortion] codec, qualities, lambda, distortion: rate-aware pre-editing
            through the codec's differentiable twin (with source = "images")
    [train] patch_width/patch_height/stride/batch/lr/loss/epochs/... (paper defaults)

    Writes best.safetensors + best.json (the checkpoint to use as `model:OUT/best.safetensors`),
    history.jsonl and summary.json. Killed runs continue from their last snapshot when started
    again with the same config and --out. Under torchrun every process trains a shard (DDP).
    """
    from ..training import load_train_config, train

    # the other options are [train] keys of the same name
    config = load_train_config(config_path, {"out": str(Path(out).resolve()) if out else None, **overrides})
    summary = train(config, quiet=not show_progress(progress, quiet))
    if as_json:
        click.echo(json.dumps(summary))
    else:
        best = summary["best"] or {}
        if "rd_loss" in best:
            scores = f"best validation RD loss {best['rd_loss']:.4f} (twin bpp {best['bpp_change']:+.1%})"
        else:
            scores = (
                f"best validation PSNR {best.get('psnr_out', float('nan')):.3f} dB "
                f"({best.get('gain_db', float('nan')):+.3f} dB)"
            )
        click.echo(
            f"done: {summary['steps']} steps in {summary['elapsed_s']} s on {summary['device']}; "
            f"{scores} -> {Path(summary['out']) / 'best.safetensors'}"
        )
