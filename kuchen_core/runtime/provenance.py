"""Plugin objects as a run plans and rebuilds them: the registry a run uses (installed plugins plus
``plugin_modules``), each object's provenance (canonical spec, distribution, version, library
versions: what cache keys hash) and the check that a worker builds exactly what was planned.
"""

from __future__ import annotations

import importlib
import json
from collections import OrderedDict
from typing import Any, Callable, Sequence, TypeVar

import attrs

from ..errors import KuchenError
from ..registry import Registry, get_registry
from .config import ConfigError

T = TypeVar("T")
TOOLKITS_KEPT = 4  # built plugin sets a long-lived worker keeps (one per plan it recently ran)


@attrs.frozen
class Component:
    """A plugin object as a worker must rebuild it: ``label`` is the spec as the user wrote it."""

    kind: str
    spec: str
    label: str
    provenance: str  # canonical JSON: spec, distribution, version, library versions


def plugin_registry(modules: Sequence[str], error: type[ConfigError] = ConfigError) -> Registry:
    """The installed plugins plus ``modules`` (importable names with ``@hookimpl`` functions).

    Without extra modules this is the process-wide registry, so tests that register plugins
    in-process work with the in-process executor; workers in other processes load their own.
    """
    if not modules:
        return get_registry()
    imported = []
    for name in modules:
        try:
            imported.append(importlib.import_module(name))
        except ImportError as exc:
            raise error(
                f"plugin_modules: cannot import {name!r} ({exc}); it must be importable in every worker (PYTHONPATH)"
            ) from None
    return Registry.from_plugins(*imported, installed=True)


def provenance(registry: Registry, kind: str, obj: Any) -> str:
    """Canonical JSON of what makes this object's output what it is."""
    entry = next(e for e in registry.entries(kind) if e.name == obj.name)
    try:
        libraries = obj.library_versions()
    except Exception as exc:  # a broken plugin is named before any work starts, not a traceback
        raise KuchenError(
            f"{kind} {obj.spec!r} (from {entry.source.distribution}) cannot report its library versions: "
            f"{type(exc).__name__}: {exc}"
        ) from None
    return json.dumps(
        {
            "spec": obj.spec,
            "distribution": entry.source.distribution,
            "version": entry.source.version,
            "libraries": libraries,
        },
        sort_keys=True,
        separators=(",", ":"),
    )


def plan_component(
    registry: Registry, kind: str, spec: str, where: str, error: type[ConfigError] = ConfigError
) -> tuple[Any, Component]:
    """Build ``spec`` (the registry's and the parameters' errors become config errors naming ``where``)
    and freeze it as a :class:`Component` a worker can rebuild."""
    try:
        obj = registry.create(kind, spec)
    except (KuchenError, ValueError, TypeError) as exc:
        raise error(f"{where} {spec!r}: {exc}") from None
    return obj, Component(kind, obj.spec, spec, provenance(registry, kind, obj))


def create_checked(registry: Registry, component: Component, error: type[ConfigError] = ConfigError) -> Any:
    """Build a planned component in a worker, refusing one whose plugin versions differ from the plan's."""
    obj = registry.create(component.kind, component.spec)
    found = provenance(registry, component.kind, obj)
    if found != component.provenance:
        raise error(
            f"this worker's {component.kind} {component.label!r} is {found}, but the run was planned "
            f"with {component.provenance}; install the same plugin versions on every worker"
        )
    return obj


_toolkits: OrderedDict[str, Any] = OrderedDict()


def cached_toolkit(key: str, build_toolkit: Callable[[], T]) -> T:
    """The plugin objects of the plan ``key``, built once per process; only the most recent
    :data:`TOOLKITS_KEPT` plans' objects are kept, so a long-lived Dask worker does not grow."""
    if key in _toolkits:
        _toolkits.move_to_end(key)
    else:
        _toolkits[key] = build_toolkit()
        while len(_toolkits) > TOOLKITS_KEPT:
            _toolkits.popitem(last=False)
    return _toolkits[key]  # type: ignore[no-any-return]
