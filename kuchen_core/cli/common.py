"""Helpers the file-processing commands share: input expansion, plugin lists, per-file
failure isolation with a progress bar, one distinct output file per input."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Callable, Sequence

import attrs
import click
from click.shell_completion import CompletionItem

from ..errors import KuchenError
from ..runtime.files import OutputError, ensure_output_dir
from ..runtime.inputs import find_images
from ..registry import get_registry
from ..specs import split_specs


def build_list(kind: str, text: str, option: str) -> list[Any]:
    """Objects for a comma-separated spec list such as ``detail,nlmeans(h=5)``; errors become usage errors
    naming ``option``, the flag the user typed the list in."""
    try:
        return [get_registry().create(kind, spec) for spec in split_specs(text)]
    except (KuchenError, ValueError) as exc:
        raise click.BadParameter(str(exc), param_hint=option) from None


def build_one(kind: str, text: str) -> Any:
    try:
        return get_registry().create(kind, text)
    except (KuchenError, ValueError) as exc:
        raise click.BadParameter(str(exc), param_hint=f"--{kind}") from None


def plan_outputs(inputs: Sequence[Path], out_dir: Path, suffix: str) -> dict[Path, Path]:
    """A distinct ``out_dir/<stem><suffix>`` per input (a taken name gets the first free ``-2``, ``-3`` …);
    refuses, before anything is written, an output that would replace an input or a folder it cannot write."""
    targets = [out_dir / name for name in _distinct_names([path.stem for path in inputs], suffix)]
    originals = {identity: path for path in inputs if (identity := _identity(path))}
    for target in targets:
        if (identity := _identity(target)) in originals:
            raise click.UsageError(
                f"-o {out_dir}: writing {target.name} would replace the input {originals[identity]}; "
                "choose another output folder"
            )
    try:
        ensure_output_dir(out_dir, "-o")
    except OutputError as exc:
        raise click.UsageError(str(exc)) from None
    return dict(zip(inputs, targets))


def _identity(path: Path) -> tuple[int, int] | None:
    """Device and inode: the same file under any path, link or case; None for a file that does not
    exist (nothing to replace) or cannot be read (an input's own failure later, never an output's name)."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_dev, stat.st_ino


def _distinct_names(stems: Sequence[str], suffix: str) -> list[str]:
    """``<stem><suffix>`` for the first input of each stem, else the first free ``<stem>-N<suffix>``;
    names compare casefolded: the same file on case-insensitive disks."""
    taken = {(stem + suffix).casefold() for stem in stems}
    claimed: set[str] = set()
    names = []
    for stem in stems:
        name = stem + suffix
        if name.casefold() in claimed:
            count = 2
            while (name := f"{stem}-{count}{suffix}").casefold() in taken:
                count += 1
            taken.add(name.casefold())
        claimed.add(name.casefold())
        names.append(name)
    return names


@attrs.frozen
class FileOutcome:
    path: Path
    result: Any = None
    error: str | None = None


def run_on_files(
    inputs: Sequence[str], out_dir: Path, suffix: str, work: Callable[[Path, Path], Any], description: str, bars: bool
) -> list[FileOutcome]:
    """``work(image, output)`` for each image the arguments name (folders, globs, files, ``.txt`` lists),
    each output a distinct file in ``out_dir`` (see :func:`plan_outputs`). A missing or failing file is
    recorded and the rest still run."""
    from tqdm import tqdm

    try:
        files = [image.path for image in find_images(inputs, strict=False)]
    except KuchenError as exc:
        raise click.UsageError(str(exc)) from None
    if not files:
        raise click.UsageError("no input images found")
    targets = plan_outputs(files, out_dir, suffix)
    outcomes = []
    for path in tqdm(files, desc=description, unit="img", disable=not bars or len(files) < 2, leave=False):
        try:
            outcomes.append(FileOutcome(path, result=work(path, targets[path])))
        except Exception as exc:  # one bad file or plugin error must not stop the batch
            outcomes.append(FileOutcome(path, error=f"{type(exc).__name__}: {exc}"))
            with tqdm.external_write_mode(file=sys.stderr):  # click drops the colour when stderr is redirected
                click.echo(click.style(f"skipped {path}: {exc}", fg="red"), err=True)
    return outcomes


Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def options(*decorators: Decorator) -> Decorator:
    """Several click options as one decorator, so commands that share options declare them once."""

    def apply(command: Callable[..., Any]) -> Callable[..., Any]:
        for decorator in reversed(decorators):
            command = decorator(command)
        return command

    return apply


# ``--quiet`` and ``--progress/--no-progress``: bars only on a terminal unless asked, like pip and git.
progress_options = options(
    click.option("--quiet", is_flag=True, help="No progress bars."),
    click.option(
        "--progress/--no-progress", default=None, help="Show progress bars [default: only when stderr is a terminal]."
    ),
)

# Where the tasks of ``label`` and ``bench`` run (see :mod:`kuchen_core.runtime.executors`).
executor_options = options(
    click.option(
        "--jobs",
        "-j",
        type=click.IntRange(min=1),
        default=None,
        help="Parallel workers [default: the CPU count]; 1 runs in this process. With --executor dask "
        "and no scheduler: the LocalCluster's worker count.",
    ),
    click.option(
        "--executor",
        type=click.Choice(["local", "dask"]),
        default="local",
        show_default=True,
        help="local: a process pool on this machine; dask: a Dask cluster (pip install 'kuchen-core[dask]').",
    ),
    click.option(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="Dask scheduler, e.g. tcp://10.0.0.5:8786 [default: $DASK_SCHEDULER_ADDRESS, else a LocalCluster].",
    ),
)


def inputs_and_out(help: str) -> Decorator:
    """A file command's INPUTS (see :func:`run_on_files`) and ``-o/--out DIR``, the folder it writes into."""
    return options(
        click.argument("inputs", nargs=-1, required=True, type=click.Path()),
        click.option(
            "-o", "--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path), help=help
        ),
    )


def show_progress(progress: bool | None, quiet: bool) -> bool:
    """Whether to draw progress bars: ``--quiet`` never, ``--progress`` always, else on a terminal."""
    return not quiet and (sys.stderr.isatty() if progress is None else progress)


def report_failures(outcomes: Sequence[FileOutcome]) -> None:
    """Exit non-zero, with a count, when any file failed."""
    failed = [o for o in outcomes if o.error]
    if failed:
        click.echo(f"{len(failed)} of {len(outcomes)} file(s) failed", err=True)
        raise SystemExit(1)


def spec_completer(kind: str) -> Callable[[click.Context, click.Parameter, str], list[CompletionItem]]:
    """Shell completion for a comma-separated (and, for methods, '+'-chained) list of ``kind`` names:
    completes the last name and keeps what is typed before it."""

    def complete(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
        cut = max(incomplete.rfind(","), incomplete.rfind("+") if kind == "method" else -1)
        head, tail = incomplete[: cut + 1], incomplete[cut + 1 :]
        names = get_registry().names(kind) + (["none"] if kind == "method" and not head else [])
        return [CompletionItem(head + name) for name in names if name.startswith(tail.lower())]

    return complete
