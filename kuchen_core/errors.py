"""Errors users see; each says what went wrong and what to do about it."""

from __future__ import annotations


class KuchenError(Exception):
    """Base class of every error Kuchen raises on purpose."""


class UnknownPluginError(KuchenError, LookupError):
    """No installed plugin provides the requested name."""


class DuplicatePluginError(KuchenError):
    """Two plugins claim the same name for the same kind."""


class PluginLoadError(KuchenError):
    """A plugin failed to import or register (raised in strict mode only)."""


class ImageLoadError(KuchenError, ValueError):
    """An input image is unreadable, corrupt, truncated or too large."""
