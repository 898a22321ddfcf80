"""The ``kuchen`` command line: one small module per command group."""

from __future__ import annotations

from .main import cli, main

__all__ = ["cli", "main"]
