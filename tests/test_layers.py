"""The layers of docs/architecture.md hold: nothing outside ``kuchen_core/cli/`` imports the CLI (not even
``__main__.py``, which runs the declared console script), and the applications stand side by side."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import kuchen_core

ROOT = Path(kuchen_core.__file__).parent
APPLICATIONS = ("labeling", "bench", "training")


def imported_packages(path: Path) -> set[str]:
    """The kuchen_core sub-packages a module imports (absolute or relative), e.g. {"runtime", "cli"}."""
    package = path.relative_to(ROOT).parent.parts
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                parts = [*base, *(node.module.split(".") if node.module else [])]
                names = [parts] if parts else [[alias.name] for alias in node.names]
            elif node.module and node.module.split(".")[0] == "kuchen_core":
                names = [node.module.split(".")[1:] or [alias.name for alias in node.names][:1]]
            else:
                continue
            found.update(name[0] for name in names if name)
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[1] for a in node.names if a.name.startswith("kuchen_core."))
    return found


def test_the_scan_sees_relative_and_absolute_imports():
    assert "cli" in imported_packages(ROOT / "cli" / "main.py")
    assert {"runtime", "labeling"} <= imported_packages(ROOT / "labeling" / "run.py")


def test_only_the_cli_imports_the_cli():
    outside = [p for p in ROOT.rglob("*.py") if p.relative_to(ROOT).parts[0] != "cli"]
    assert len(outside) > 50
    assert [str(p.relative_to(ROOT)) for p in outside if "cli" in imported_packages(p)] == []


@pytest.mark.parametrize("app", APPLICATIONS)
def test_no_application_imports_another(app):
    others = set(APPLICATIONS) - {app}
    offenders = {str(p.relative_to(ROOT)): imported_packages(p) & others for p in (ROOT / app).rglob("*.py")}
    assert {k: v for k, v in offenders.items() if v} == {}
