"""docs/plugin-authoring.md stays true: every full quote is its file, complete; the quoted files,
written out exactly as the guide shows them, build, install and pass the quoted test; excerpts
are parts of their files; the sketches of the other kinds pass their contracts."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import types
from pathlib import Path

import pytest

from kuchen_core.testing import check_backbone, check_method, check_metric, registered

REPO = Path(__file__).resolve().parents[1]
GUIDE = REPO / "docs" / "plugin-authoring.md"
QUOTE = re.compile(r"<!-- quote: (?P<path>\S+) -->\n```\w*\n(?P<body>.*?)```", re.S)
EXCERPT = re.compile(r"<!-- excerpt: (?P<path>\S+) -->\n```\w*\n(?P<body>.*?)```", re.S)
EXAMPLE = re.compile(r"<!-- example: other kinds -->\n```python\n(?P<body>.*?)```", re.S)
PLUGIN = "examples/kuchen-plugin-avif/"
PLUGIN_FILES = {
    "pyproject.toml",
    "kuchen_plugin_avif/__init__.py",
    "kuchen_plugin_avif/codec.py",
    "tests/test_contract.py",
}


def quoted_files() -> dict[str, str]:
    text = GUIDE.read_text()
    quotes = list(QUOTE.finditer(text))
    assert len(quotes) == text.count("<!-- quote:"), "every quote marker must sit right above its code block"
    return {quote["path"]: quote["body"] for quote in quotes}


def test_every_quote_is_its_whole_file():
    quotes = quoted_files()
    assert {path.removeprefix(PLUGIN) for path in quotes} == PLUGIN_FILES
    for path, body in quotes.items():
        assert body == (REPO / path).read_text(), f"the guide's quote of {path} is not the whole file as it is"
    pyproject = quotes[PLUGIN + "pyproject.toml"]
    assert "[build-system]" in pyproject and "[project.entry-points.kuchen]" in pyproject
    assert "import pytest" in quotes[PLUGIN + "tests/test_contract.py"]


def test_every_excerpt_is_part_of_its_file():
    text = GUIDE.read_text()
    excerpts = list(EXCERPT.finditer(text))
    assert len(excerpts) == text.count("<!-- excerpt:") >= 3
    for excerpt in excerpts:
        assert excerpt["body"] in (REPO / excerpt["path"]).read_text(), (
            f"an excerpt of {excerpt['path']} no longer matches"
        )


def test_the_quoted_plugin_builds_installs_and_passes_its_quoted_test(tmp_path):
    """Write the quoted files (and a README, which pyproject names), pip-install that folder into a
    target directory put first on the path, and use it: kuchen lists it and runs its contract."""
    pytest.importorskip("setuptools")
    source = tmp_path / "kuchen-plugin-avif"
    for path, body in quoted_files().items():
        target = source / path.removeprefix(PLUGIN)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(body)
    (source / "README.md").write_text("# kuchen-plugin-avif\n")
    site = tmp_path / "site"
    pip = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--disable-pip-version-check",
            "--no-index",
            "--target",
            str(site),
            str(source),
        ],
        capture_output=True,
        text=True,
    )
    assert pip.returncode == 0, pip.stderr
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]),
        "KUCHEN_LOAD_PLUGINS": "kuchen-plugin-avif",
    }

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env, cwd=tmp_path)

    where = run("-c", "import kuchen_plugin_avif; print(kuchen_plugin_avif.__file__)")
    assert where.stdout.strip().startswith(str(site)), where.stderr  # the copy built from the guide
    listing = run("-m", "kuchen_core", "plugins", "--json")
    assert listing.returncode == 0, listing.stderr
    (row,) = json.loads(listing.stdout)
    assert row["distribution"] == "kuchen-plugin-avif" and row["kinds"] == {"codec": ["avif"]} and not row["errors"]
    tests = run("-m", "pytest", "-q", "-p", "no:cacheprovider", str(source / "tests" / "test_contract.py"))
    assert tests.returncode == 0 and re.search(r"^2 passed", tests.stdout, re.M), tests.stdout[-3000:]


def test_the_other_kinds_example_passes_its_contracts():
    (match,) = EXAMPLE.finditer(GUIDE.read_text())
    module = types.ModuleType("guide_example")
    exec(compile(match["body"], str(GUIDE), "exec"), module.__dict__)
    with registered(module) as registry:
        assert registry.failures == []
        check_method(registry.create("method", "posterize:3"))
        check_metric(registry.create("metric", "mad"))
        pytest.importorskip("torch")
        check_backbone(registry.create("backbone", "tiny-residual(channels=4)"))
