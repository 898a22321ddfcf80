"""``python -m kuchen_core``: the ``kuchen`` command, for environments without the console script on PATH."""
from .cli.main import main

if __name__ == "__main__":
    main()
