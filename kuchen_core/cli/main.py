"""Top-level ``kuchen`` group; subcommands live in their own modules and register here."""

from __future__ import annotations

import sys

import click

from ..errors import KuchenError
from ..images import max_pixels
from .bench_cmd import bench_command
from .compress_cmd import compress_command
from .decode_cmd import decode_command
from .label_cmd import label_command
from .methods_cmd import methods_group
from .plugins_cmd import plugins_command
from .show_cmd import show_command
from .train_cmd import train_command


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="kuchen-core", prog_name="kuchen")
def cli() -> None:
    """Kuchen: learned pre- and post-processing that makes standard image codecs compress better.

    Methods, codecs, metrics and backbones are plugins; `kuchen plugins` lists what is installed.
    """
    max_pixels()  # a malformed KUCHEN_MAX_PIXELS is one line now, not an error per file later


cli.add_command(plugins_command)
cli.add_command(show_command)
cli.add_command(compress_command)
cli.add_command(decode_command)
cli.add_command(methods_group)
cli.add_command(label_command)
cli.add_command(bench_command)
cli.add_command(train_command)


def main() -> None:
    """Console-script entry: known errors become one clear line and exit code 2."""
    try:
        cli.main(prog_name="kuchen", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("Aborted!", err=True)
        sys.exit(130)
    except KuchenError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
