"""Load plugins into a pluggy ``PluginManager``: from the ``kuchen`` entry-point group or
in-process objects, one at a time, so that one broken plugin never stops the others.
"""

from __future__ import annotations

import difflib
import importlib.metadata
import os
import re
import traceback
from typing import Any, Iterable

import attrs
import pluggy

from . import hookspecs
from .errors import PluginLoadError

ENTRY_POINT_GROUP = "kuchen"
ALLOW_ENV = "KUCHEN_LOAD_PLUGINS"
STRICT_ENV = "KUCHEN_STRICT_PLUGINS"


@attrs.frozen
class PluginSource:
    """Where a plugin object came from: its name in the manager and its distribution."""

    name: str
    distribution: str | None = None
    version: str | None = None


@attrs.frozen
class LoadFailure:
    """A plugin that could not be loaded or registered, kept for ``kuchen plugins``."""

    source: PluginSource
    error: str
    details: str = ""


def normalize_dist_name(name: str) -> str:
    """PEP 503 normalisation, so ``Kuchen_Plugin.JPEG`` and ``kuchen-plugin-jpeg`` match."""
    return re.sub(r"[-_.]+", "-", name).lower()


def strict_from_env() -> bool:
    return os.environ.get(STRICT_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def allowed_from_env() -> set[str] | None:
    """Distribution names from ``KUCHEN_LOAD_PLUGINS`` (empty string: none), or None for all."""
    value = os.environ.get(ALLOW_ENV)
    if value is None:
        return None
    return {normalize_dist_name(item) for item in value.split(",") if item.strip()}


class PluginLoader:
    """Registers plugin objects one by one, recording failures instead of raising (unless strict)."""

    def __init__(self, strict: bool = False) -> None:
        self.strict = strict
        self.manager = pluggy.PluginManager(hookspecs.PROJECT)
        self.manager.add_hookspecs(hookspecs)
        self.sources: dict[int, PluginSource] = {}
        self.failures: list[LoadFailure] = []

    def fail(self, source: PluginSource, exc: BaseException) -> None:
        failure = LoadFailure(source, f"{type(exc).__name__}: {exc}", "".join(traceback.format_exception(exc)))
        if self.strict:
            raise PluginLoadError(_describe_failure(failure)) from exc
        self.failures.append(failure)

    def add(self, plugin: Any, source: PluginSource) -> None:
        """Register one plugin object; misspelled or mistyped hooks count as a failure."""
        try:
            self.manager.register(plugin, name=source.name)
        except (ValueError, pluggy.PluginValidationError) as exc:
            self.fail(source, exc)
            return
        try:
            self.manager.check_pending()
        except pluggy.PluginValidationError as exc:
            self.manager.unregister(plugin)
            self.fail(source, _with_hook_hint(exc))
            return
        self.sources[id(plugin)] = source

    def add_entry_points(self, allowed: set[str] | None = None) -> None:
        """Import every ``kuchen`` entry point of the installed distributions (or the allowed ones)."""
        seen: set[str] = set()
        for dist in importlib.metadata.distributions():
            dist_name = normalize_dist_name(dist.metadata["Name"] or "")
            if dist_name in seen:
                continue
            seen.add(dist_name)
            if allowed is not None and dist_name not in allowed:
                continue
            for ep in dist.entry_points:
                if ep.group != ENTRY_POINT_GROUP:
                    continue
                source = PluginSource(ep.name, dist.metadata["Name"], dist.version)
                try:
                    plugin = ep.load()
                except Exception as exc:  # a plugin's import error must not stop the others
                    self.fail(source, exc)
                    continue
                self.add(plugin, source)

    def add_objects(self, plugins: Iterable[Any]) -> None:
        """Register in-process plugin objects (modules or instances), as tests do."""
        for plugin in plugins:
            name = getattr(plugin, "__name__", None) or f"{type(plugin).__name__}-{id(plugin)}"
            self.add(plugin, PluginSource(name))

    def source_of(self, plugin: Any) -> PluginSource:
        return self.sources[id(plugin)]


def _with_hook_hint(exc: pluggy.PluginValidationError) -> pluggy.PluginValidationError:
    """Add "did you mean `register_methods`?" to pluggy's "unknown hook 'register_method'"."""
    match = re.search(r"unknown hook '(\w+)'", str(exc))
    if match is None:
        return exc
    hooks = [name for name in dir(hookspecs) if name.startswith("register_")]
    close = difflib.get_close_matches(match[1], hooks, n=1, cutoff=0.6)
    hint = f"; did you mean `{close[0]}`?" if close else f"; the hooks are {', '.join(hooks)}"
    return pluggy.PluginValidationError(exc.plugin, f"{exc}{hint}")


def _describe_failure(failure: LoadFailure) -> str:
    where = failure.source.distribution or failure.source.name
    return f"plugin {failure.source.name!r} from {where} failed to load: {failure.error}"
