"""``kuchen bench``'s options. The bench package (numpy work, tqdm, matplotlib, bjontegaard, Dask)
is imported inside the command, so ``kuchen --help`` and ``kuchen plugins`` stay light.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import click

from ..specs import split_specs
from .common import Decorator, executor_options, progress_options, show_progress, spec_completer


def _spec_list(name: str, kind: str, help: str) -> Decorator:
    """An option naming a comma-separated list of ``kind`` plugins (completed in the shell)."""
    return click.option(name, metavar="LIST", shell_complete=spec_completer(kind), help=help)


def _list(value: str | None) -> tuple[str, ...] | None:
    return None if value is None else tuple(split_specs(value))  # 'none' → (): nothing


@click.command("bench")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A TOML file with the same settings (options given here override it; see docs/bench.md).",
)
@click.option(
    "--images",
    "-i",
    multiple=True,
    metavar="PATH",
    help="Images: a folder, a glob, an image file or a .txt list (one path per line). Repeatable.",
)
@_spec_list("--codecs", "codec", "Comma-separated codec specs, e.g. jpeg,webp,hevc.")
@_spec_list(
    "--pre",
    "method",
    "Comma-separated pre-processings; 'none' is the Original (always included); '+' chains "
    "methods, e.g. none,nlmeans,detail,nlmeans+detail.",
)
@_spec_list("--metrics", "metric", "Comma-separated metrics, e.g. ssimulacra2,psnr.")
@_spec_list(
    "--post",
    "method",
    "Comma-separated post-filters (methods applied after decoding the Original) for the post-processing table.",
)
@click.option(
    "--quality",
    "-q",
    multiple=True,
    metavar="[CODEC=]Q",
    help="Table 1's quality: 50 for every codec, or jpeg=50 (repeatable) [default: 50 on 0..100 scales, "
    "the middle of others].",
)
@click.option(
    "--ladder",
    multiple=True,
    metavar="[CODEC=]Q,Q,...",
    help="Qualities of the RD curves (BD-rate), e.g. hevc=20,35,50,65 [default: 25,35,50,65,80,90].",
)
@click.option(
    "--post-quality",
    "post_quality",
    multiple=True,
    metavar="[CODEC=]Q,Q,...",
    help="Qualities of the post-processing table [default: 10,20,30,40].",
)
@click.option(
    "--baseline",
    multiple=True,
    metavar="[CODEC=]CODEC",
    help="Compare against another codec's Original, e.g. jpeg=jpegli (it must be in --codecs) "
    "[default: each codec's own Original].",
)
@click.option(
    "--out",
    "-o",
    "out_dir",
    type=click.Path(file_okay=False),
    help="Output folder (created): report.html, tables.md, summary.json, results.jsonl, plots/, crops/, "
    "curves/ and the cache.",
)
@click.option(
    "--cache",
    type=click.Path(file_okay=False),
    help="Content cache folder, shareable between runs [default: OUT/cache].",
)
@click.option("--limit", type=click.IntRange(min=1), help="Use only the first N images.")
@click.option("--seed", type=int, help="Seed for choosing the images shown as crops [default: 0].")
@click.option("--crops", type=click.IntRange(min=0), help="Images shown as crops in the report [default: 4].")
@click.option("--matched/--no-matched", default=None, help="Run the matched-quality search [default: on].")
@click.option(
    "--bd-method",
    type=click.Choice(["akima", "pchip", "cubic"]),
    help="BD-rate interpolation (the bjontegaard package's) [default: akima].",
)
@click.option(
    "--plugin-module",
    "plugin_modules",
    multiple=True,
    metavar="MODULE",
    help="Extra module with @hookimpl plugins, imported in every worker (must be on PYTHONPATH).",
)
@executor_options
@progress_options
def bench_command(
    config_path: Path | None,
    images: tuple[str, ...],
    codecs: str | None,
    pre: str | None,
    metrics: str | None,
    post: str | None,
    quality: tuple[str, ...],
    ladder: tuple[str, ...],
    post_quality: tuple[str, ...],
    baseline: tuple[str, ...],
    out_dir: str | None,
    cache: str | None,
    limit: int | None,
    seed: int | None,
    crops: int | None,
    matched: bool | None,
    bd_method: str | None,
    plugin_modules: tuple[str, ...],
    jobs: int | None,
    executor: str,
    scheduler: str | None,
    quiet: bool,
    progress: bool | None,
) -> None:
    """Benchmark pre-processings against the Original through real codecs.

    For every codec: Table 1 at one quality (total bytes, compression-ratio improvement over the
    Original, mean of each metric); BD-rate of every pre-processing against the Original over a
    quality ladder, per metric; the file-size saving at matched quality (per image, the cheapest
    codec quality at which the pre-processed image reaches the Original's score at the reference
    quality; images that cannot reach it are counted); with --post, each metric without and with
    each post-filter at four qualities. Prints the tables and the path of the HTML report.

    Every encode is cached by content under OUT/cache, so an interrupted run resumes where it
    stopped. Exit code 1 if any (image, pre-processing) failed (the others are still reported).

    \b
    Examples:
      kuchen bench --images samples/ --codecs jpeg,webp,hevc --pre none,nlmeans,detail \\
                   --metrics ssimulacra2,psnr --out runs/bench
      kuchen bench --config examples/bench/demo.toml
      kuchen bench -i photos/ --codecs jpeg,jpegli --baseline jpeg=jpegli --pre none,nlmeans \\
                   --metrics ssimulacra2 -o runs/jpegli
    See docs/bench.md for every option, output and formula.
    """
    from ..bench import build_plan, discover, load_toml, make_config, run_bench
    from ..bench.run import prepare_output
    from ..bench.config import parse_baseline_options, parse_list_options, parse_quality_options
    from ..runtime.executors import make_executor

    config = make_config(
        load_toml(config_path) if config_path else None,
        images=images or None,
        out=out_dir,
        cache=cache,
        codecs=_list(codecs),
        pre=_list(pre),
        metrics=_list(metrics),
        post=_list(post),
        quality=parse_quality_options(quality, "--quality"),
        ladder=parse_list_options(ladder, "--ladder"),
        post_qualities=parse_list_options(post_quality, "--post-quality"),
        baseline=parse_baseline_options(baseline),
        limit=limit,
        seed=seed,
        crops=crops,
        matched=matched,
        bd_method=bd_method,
        plugin_modules=plugin_modules or None,
    )
    plan = build_plan(config)
    found = discover(config.images, config.limit)
    prepare_output(config, plan)
    with make_executor(executor, jobs, scheduler) as runner:
        if not quiet:
            click.echo(
                f"bench: {len(found)} images x {len(plan.chains)} pre-processings x {len(plan.codecs)} codecs"
                f"{f' + {len(plan.posts)} post-filters' if plan.posts else ''} on {runner.description}",
                err=True,
            )
        result = run_bench(
            config,
            plan,
            found,
            runner,
            "kuchen " + " ".join(shlex.quote(a) for a in sys.argv[1:]),
            progress=show_progress(progress, quiet),
        )
    for line in result.tables:
        click.echo(line)
    click.echo(
        f"\n{result.tally.computed} encodes computed, {result.tally.cached} from the cache, {result.elapsed:.1f} s"
    )
    if result.tally.errors:
        click.echo(click.style(f"{len(result.tally.errors)} failure(s):", fg="red"), err=True)
        for error in result.tally.errors[:20]:
            click.echo(f"  {error}", err=True)
    click.echo(f"per-image results: {result.outputs['per_image']}\nsummary: {result.outputs['summary']}")
    click.echo(f"HTML report: {result.outputs['report']}")
    if result.tally.errors:
        raise SystemExit(1)
