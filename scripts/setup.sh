#!/usr/bin/env bash
# Create the project's virtual environment from a fresh clone: system packages the plugins
# use (when we may install them), torch pinned to the CPU build on this disk, then the core,
# every built-in plugin and every example plugin in editable mode.
set -euo pipefail
venv=${1:-.venv}
cd "$(dirname "$0")/.."

bash scripts/install-system-deps.sh || echo "warning: system packages not installed; tests that need them will skip" >&2

if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
pip=("$venv/bin/python" -m pip --disable-pip-version-check)
"${pip[@]}" install -q --upgrade "pip>=23" "setuptools>=64" wheel
# The CPU build of torch lies on this machine's disk; any other version downloads gigabytes.
"${pip[@]}" install -q "torch==2.13.0"
editables=(-e ".[test,dask,train,lint]")
for dir in plugins/kuchen-plugin-* examples/kuchen-plugin-*; do
  [ -f "$dir/pyproject.toml" ] && editables+=(-e "$dir")
done
"${pip[@]}" install -q "${editables[@]}"
echo "environment ready: $venv ($("$venv/bin/kuchen" --version))"
