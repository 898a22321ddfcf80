"""Errors of the labeler; the CLI prints any ``KuchenError`` as one line and exits 2."""
from __future__ import annotations

from ..errors import KuchenError


class LabelConfigError(KuchenError, ValueError):
    """The labeling config is malformed or names something the registry cannot build."""


class ExecutorError(KuchenError):
    """An executor cannot start: a missing optional extra, an unreachable scheduler, no workers."""
