"""Errors of the bench; the CLI prints any ``KuchenError`` as one line and exits 2."""
from __future__ import annotations

from ..errors import KuchenError


class BenchConfigError(KuchenError, ValueError):
    """The bench's settings are malformed or name something the registry cannot build."""
