"""``python -m kuchen_core``: the ``kuchen`` command, for environments without the console script on PATH.

The CLI's second entry point (beside the console script), so it belongs to the CLI layer: the one
module outside that package which depends on it."""

from .cli.main import main

if __name__ == "__main__":
    main()
