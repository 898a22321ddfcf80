"""``kuchen label``: the paper's Algorithm 1 — pick, per training image, the pool group whose
codec result trades quality against bits best, and save that group's output as the label.

The labeling package (and tqdm, and Dask) is imported inside the command, so ``kuchen --help``
and ``kuchen plugins`` stay light.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import click

from .common import executor_options, progress_options, show_progress


@click.command("label")
@click.argument("config_path", metavar="CONFIG.toml", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--dry-run",
    is_flag=True,
    help="Check the config against the installed plugins, print the groups and the amount of work, and stop.",
)
@executor_options
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Output folder for labels, manifest and cache (overrides the config's 'output').",
)
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=None,
    help="Label only the first N images, sorted by name (overrides the config's 'limit').",
)
@click.option(
    "--seed",
    "seeds",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="A results file from --export-results: its evaluations go into the cache first, so only "
    "what it lacks is computed (adds to the config's 'seed'; repeatable).",
)
@click.option(
    "--export-results",
    "export_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    metavar="FILE",
    help="Write every evaluation the cache holds for these images to FILE (gzipped JSON "
    "lines, a few KB a photo) and stop; safe while another run fills the cache.",
)
@progress_options
def label_command(
    config_path: Path,
    dry_run: bool,
    jobs: int | None,
    executor: str,
    scheduler: str | None,
    out_dir: Path | None,
    limit: int | None,
    seeds: tuple[Path, ...],
    export_path: Path | None,
    quiet: bool,
    progress: bool | None,
) -> None:
    """Label images as the paper's Algorithm 1 does, configured by CONFIG.toml.

    For every image and every group of pool methods (ordered series of up to K distinct
    methods, plus the identity): apply, encode, decode, measure quality Q and bits per pixel;
    per image Score = w_q Z(Q) - w_r Z(BPP) over the groups; the best group's pre-codec image
    is written as a lossless PNG under OUT/labels/q<quality>/, and every group's numbers go
    to OUT/manifest.jsonl. Results are cached by content under OUT/cache, so an interrupted
    run resumes where it stopped; --export-results and --seed carry them to another machine
    or folder as one small file. Exit code 1 if any (image, group) failed.

    \b
    Examples:
      kuchen label examples/pools/paper.toml --dry-run
      kuchen label examples/pools/paper.toml --jobs 4
      kuchen label examples/pools/paper.toml --limit 8 --out runs/label-try
      kuchen label examples/pools/paper.toml --export-results paper-results.jsonl.gz
      kuchen label examples/pools/paper.toml --seed paper-results.jsonl.gz --jobs 4
      kuchen label pool.toml --executor dask --scheduler tcp://scheduler:8786
    See docs/labeling.md for every config key.
    """
    from ..labeling import build_plan, discover, load_config, run_labeling
    from ..runtime.executors import make_executor
    from ..labeling.report import format_summary
    from ..labeling.results_file import export_results, seed_cache
    from ..labeling.run import prepare_output

    config = load_config(config_path, out_dir, limit, seeds)
    plan = build_plan(config)
    images = discover(config)
    if dry_run:
        click.echo("\n".join(describe(plan, config, len(images))))
        return
    if export_path is not None:
        count = export_results(plan, images, export_path)
        click.echo(
            f"{export_path}: {count.results} evaluations; {count.complete_images} of {count.images} images complete"
        )
        return
    if config.seed:
        seeded = seed_cache(config.seed, plan.cache_dir)
        click.echo(
            f"seeded the cache with {seeded.added} of the {seeded.records} evaluations in "
            f"{', '.join(map(str, config.seed))}",
            err=True,
        )
    prepare_output(plan)
    with make_executor(executor, jobs, scheduler) as runner:
        if not quiet:
            click.echo(f"labelling {len(images)} images x {len(plan.groups)} groups on {runner.description}", err=True)
        result = run_labeling(plan, images, runner, progress=show_progress(progress, quiet))
    click.echo("\n".join(format_summary(result.tally, result.elapsed, plan.codec.label)))
    click.echo(f"\nlabels: {Path(plan.output) / 'labels'}\nmanifest: {result.manifest}\nsummary: {result.summary}")
    if result.tally.failed:
        raise SystemExit(1)


def describe(plan: Any, config: Any, n_images: int) -> list[str]:
    """The dry run's report: what will be computed, and how much of it prefix sharing saves."""
    from ..labeling.groups import naive_applications, prefixes

    sizes = Counter(len(group) for group in plan.groups)
    parts = [f"{count} of {size}" if size else "identity" for size, count in sorted(sizes.items())]
    shared, naive = len(prefixes(plan.groups)), naive_applications(plan.groups)
    evaluations = n_images * len(plan.groups) * len(plan.qualities)
    lines = [
        f"pool ({len(plan.methods)}): " + ", ".join(m.label for m in plan.methods),
        f"groups: {len(plan.groups)} = {' + '.join(parts)} ({config.order}, K={config.max_group_size})",
    ]
    lines += [f"  {i + 1:4d}  {plan.group_name(group)}" for i, group in enumerate(plan.groups)]
    lines += [
        f"codec: {plan.codec.spec} at quality {', '.join(map(str, plan.qualities))}",
        "metrics: "
        + "; ".join(
            f"{m.component.spec} ({'full-reference vs the original' if m.use_reference else 'no-reference on the decoded image'}, "
            f"{'higher' if m.higher_is_better else 'lower'} is better, weight {m.weight:g})"
            for m in plan.metrics
        )
        + f"; rate weight {plan.rate_weight:g}",
        f"images: {n_images} from {', '.join(config.inputs)}"
        + (f", named in {config.ids}" if config.ids is not None else ""),
        f"work: {evaluations} (image, group, quality) evaluations; {n_images * shared} method applications "
        f"with prefix sharing ({shared} per image; naive: {naive} per image)",
        f"output: {plan.output}  (cache: {plan.cache_dir})",
    ]
    if config.seed:
        lines.append(f"seed: {', '.join(map(str, config.seed))} (read into the cache before labelling)")
    return lines
