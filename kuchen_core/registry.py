"""Per-kind lookup by name over everything the plugins registered.

Rules: an unknown name gets close matches, the installed names and an install hint; two
plugins claiming one name is an error naming both (never a silent overwrite); a plugin that
fails is recorded and the others still work.
"""

from __future__ import annotations

import contextlib
import difflib
from typing import Any, Iterator

import attrs

from . import interfaces
from .descriptors import KINDS, Kind
from .first_party import FIRST_PARTY, kinds_named
from .errors import DuplicatePluginError, UnknownPluginError
from .plugins import LoadFailure, PluginLoader, PluginSource, allowed_from_env, strict_from_env
from .specs import PluginSpec, parse_spec


@attrs.frozen
class Entry:
    """One registered class: its kind, name and the plugin that provided it."""

    kind: str
    name: str
    cls: type[interfaces.Plugin]
    source: PluginSource


class Registry:
    """Everything the loaded plugins registered, by kind and name."""

    def __init__(self, loader: PluginLoader) -> None:
        self.failures: list[LoadFailure] = loader.failures
        self.sources: list[PluginSource] = list(loader.sources.values())
        self._entries: dict[str, dict[str, Entry]] = {kind: {} for kind in KINDS}
        self._conflicts: dict[tuple[str, str], list[Entry]] = {}
        for kind in KINDS.values():
            self._collect(loader, kind)

    @classmethod
    def from_environment(cls, strict: bool | None = None) -> "Registry":
        """Load installed plugins, honouring ``KUCHEN_LOAD_PLUGINS`` and ``KUCHEN_STRICT_PLUGINS``."""
        loader = PluginLoader(strict=strict_from_env() if strict is None else strict)
        loader.add_entry_points(allowed_from_env())
        return cls(loader)

    @classmethod
    def from_plugins(cls, *plugins: Any, installed: bool = False, strict: bool = False) -> "Registry":
        """A registry of in-process plugin objects, optionally on top of the installed ones."""
        loader = PluginLoader(strict=strict)
        if installed:
            loader.add_entry_points(allowed_from_env())
        loader.add_objects(plugins)
        return cls(loader)

    def _collect(self, loader: PluginLoader, kind: Kind) -> None:
        hook = getattr(loader.manager.hook, kind.hook)
        for impl in hook.get_hookimpls():  # registration order
            source = loader.source_of(impl.plugin)
            found: list[Entry] = []
            try:
                impl.function(register=lambda cls: found.append(_validated_entry(kind, cls, source)))
            except Exception as exc:  # a broken register hook drops that plugin only
                loader.fail(source, exc)
                continue
            for entry in found:
                self._add(entry, loader)

    def _add(self, entry: Entry, loader: PluginLoader) -> None:
        key = (entry.kind, entry.name)
        existing = self._entries[entry.kind].get(entry.name)
        if existing is None and key not in self._conflicts:
            self._entries[entry.kind][entry.name] = entry
            return
        claimants = self._conflicts.setdefault(key, [existing] if existing else [])
        claimants.append(entry)
        self._entries[entry.kind].pop(entry.name, None)
        if loader.strict:
            raise DuplicatePluginError(_duplicate_message(entry.kind, entry.name, claimants))

    def names(self, kind: str) -> list[str]:
        """Names registered for ``kind`` (conflicting names excluded), sorted."""
        return sorted(self._entries[_kind(kind).name])

    def entries(self, kind: str | None = None) -> list[Entry]:
        kinds = [_kind(kind).name] if kind else list(KINDS)
        return [self._entries[k][n] for k in kinds for n in sorted(self._entries[k])]

    def conflicts(self) -> dict[tuple[str, str], list[Entry]]:
        return dict(self._conflicts)

    def get(self, kind: str, name: str) -> type[interfaces.Plugin]:
        """The class registered as ``name`` for ``kind``, or a helpful error."""
        return self.entry(kind, name).cls

    def entry(self, kind: str, name: str) -> Entry:
        """The registration of ``name`` for ``kind`` (class and providing plugin), or a helpful error."""
        kind_name = _kind(kind).name
        name = name.strip().lower()
        entry = self._entries[kind_name].get(name)
        if entry is not None:
            return entry
        if (kind_name, name) in self._conflicts:
            raise DuplicatePluginError(_duplicate_message(kind_name, name, self._conflicts[(kind_name, name)]))
        raise UnknownPluginError(self._unknown_message(kind_name, name))

    def create(self, kind: str, spec: str | PluginSpec, **params: Any) -> Any:
        """Build an object from ``name``, ``name(k=v,...)`` or ``name:value`` text."""
        parsed = parse_spec(spec) if isinstance(spec, str) else spec
        cls = self.get(kind, parsed.name)
        given: dict[str, Any] = dict(parsed.params)
        if parsed.positional is not None:
            if not cls.info.params:
                raise ValueError(f"{kind} {parsed.name!r} takes no parameters, got {parsed.positional!r}")
            given.setdefault(cls.info.params[0].name, parsed.positional)
        given.update(params)
        return cls(**given)

    def codecs_for_suffix(self, suffix: str) -> list[str]:
        """Names of the codecs writing files with this suffix (``.jpeg`` counts as ``.jpg``)."""
        suffix = {".jpeg": ".jpg", ".heif": ".heic"}.get(suffix.lower(), suffix.lower())
        return [e.name for e in self.entries("codec") if e.cls.info.extension == suffix]

    def _unknown_message(self, kind: str, name: str) -> str:
        installed = self.names(kind)
        lines = [f"Unknown {kind} {name!r}."]
        close = difflib.get_close_matches(name, installed, n=3, cutoff=0.6)
        if close:
            lines.append(f"Did you mean: {', '.join(close)}?")
        lines.append(f"Installed {kind}s: {', '.join(installed) if installed else '(none)'}.")
        broken = [f.source.distribution or f.source.name for f in self.failures]
        if broken:
            lines.append(f"Plugins that failed to load (see `kuchen plugins`): {', '.join(broken)}.")
        lines.append(_install_hint(kind, name, [k for k in KINDS if k != kind and name in self.names(k)]))
        return " ".join(lines)


def _install_hint(kind: str, name: str, installed_as: list[str]) -> str:
    """Where ``name`` comes from: the first-party distribution that ships it, or the kind it really is."""
    if (kind, name) in FIRST_PARTY:
        return f"It ships with Kuchen; install it: pip install {FIRST_PARTY[(kind, name)]}"
    other = installed_as or kinds_named(name)
    if other:
        return f"{name!r} is a {' and a '.join(other)}, not a {kind}."
    return f"If a plugin provides it, install it: pip install kuchen-plugin-{name}"


def _kind(kind: str) -> Kind:
    try:
        return KINDS[kind]
    except KeyError:
        raise UnknownPluginError(f"Unknown plugin kind {kind!r}; kinds are {', '.join(KINDS)}.") from None


def _validated_entry(kind: Kind, cls: Any, source: PluginSource) -> Entry:
    base: type[interfaces.Plugin] = getattr(interfaces, kind.base_name)
    if not (isinstance(cls, type) and issubclass(cls, base)):
        raise TypeError(f"{kind.hook} expects subclasses of kuchen_core.{kind.base_name}, got {cls!r}")
    info = getattr(cls, "info", None)
    if not isinstance(info, kind.info_type):
        raise TypeError(f"{cls.__name__}.info must be a kuchen_core.{kind.info_type.__name__}, got {info!r}")
    return Entry(kind.name, cls.info.name, cls, source)


def _duplicate_message(kind: str, name: str, claimants: list[Entry]) -> str:
    who = " and ".join(
        f"{e.source.distribution or e.source.name}" + (f" {e.source.version}" if e.source.version else "")
        for e in claimants
    )
    return f"{kind} {name!r} is registered by more than one plugin: {who}. Uninstall one of them."


_current: Registry | None = None


def get_registry() -> Registry:
    """The process-wide registry, loaded from the installed plugins on first use."""
    global _current
    if _current is None:
        _current = Registry.from_environment()
    return _current


@contextlib.contextmanager
def use_registry(registry: Registry) -> Iterator[Registry]:
    """Make ``registry`` the process-wide one for the duration of a ``with`` block."""
    global _current
    previous, _current = _current, registry
    try:
        yield registry
    finally:
        _current = previous


def reset_registry() -> None:
    """Forget the loaded registry so the next ``get_registry()`` reloads the plugins."""
    global _current
    _current = None
