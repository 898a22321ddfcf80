"""Helpers several test files share: the CLI run in-process, the console script, a tiny backbone."""

from __future__ import annotations

import sys
from typing import Any, Callable

import pytest
from click.testing import CliRunner, Result


@pytest.fixture
def run() -> Callable[..., Result]:
    """``run(*args)``: ``kuchen ARGS`` through click's runner (paths and numbers may be passed as they are)."""
    from kuchen_core.cli import cli

    return lambda *args: CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture
def console(monkeypatch, capsys) -> Callable[..., tuple[Any, Any]]:
    """The console script itself (its error handling included): ``console(*args)`` -> (exit code, captured)."""
    from kuchen_core.cli import main

    def invoke(*args: Any) -> tuple[Any, Any]:
        monkeypatch.setattr(sys, "argv", ["kuchen", *map(str, args)])
        with pytest.raises(SystemExit) as exit_info:
            main()
        return exit_info.value.code, capsys.readouterr()

    return invoke


@pytest.fixture
def tiny(kuchen_register):
    """The ``tiny(features=4)`` test backbone, seeded."""
    torch = pytest.importorskip("torch")
    import nn_fakes

    registry = kuchen_register(nn_fakes.TinyPlugin())
    torch.manual_seed(0)
    return registry.create("backbone", "tiny(features=4)")
