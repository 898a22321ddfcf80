"""``python -m kuchen_core``: the ``kuchen`` command, for environments without the console script on PATH.

It runs the ``kuchen`` console script that the kuchen-core distribution declares in pyproject.toml:
where the command lives is said in one place, and the command package stays a leaf that no other
module of kuchen_core depends on."""

from importlib.metadata import distribution

if __name__ == "__main__":
    (command,) = distribution("kuchen-core").entry_points.select(group="console_scripts", name="kuchen")
    command.load()()
