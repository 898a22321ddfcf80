"""Reading TOML config files into checked values, with one kind of error for every way they can
fail, so ``label``, ``bench`` and ``train`` report a missing file, an unknown key or a wrong type
the same way (each names the key, e.g. ``pool.max_group_size must be a int, got 'x'``).

A config is an attrs class made of :func:`setting` fields: each says where its key lives and
what it must be, and :func:`read_settings` reads and checks them all, so a config module holds
only what is particular to it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable, Mapping, TypeVar

import attrs

from ..errors import KuchenError

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]


class ConfigError(KuchenError, ValueError):
    """A config file or option is missing, unreadable, malformed or names something that cannot be built."""


def read_toml(path: str | os.PathLike, error: type[ConfigError] = ConfigError) -> dict[str, Any]:
    """Parse ``path``; raise ``error`` naming the file when it is missing, unreadable or not TOML."""
    path = Path(path)
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise error(f"{path}: no such config file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{path}: cannot read the config ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path}: not valid TOML ({exc})") from None


class Table:
    """One TOML table, its dotted ``path`` (``""`` at the top, ``data.val``) and how it names its keys
    (``pool.order``, or ``[train] batch`` when ``bracketed``); its errors are ``error``s naming the
    key, so every reader reports them the same way."""

    def __init__(
        self, data: Mapping[str, Any], path: str = "", error: type[ConfigError] = ConfigError, bracketed: bool = False
    ) -> None:
        self.data, self.path, self.error, self.bracketed = data, path, error, bracketed

    def where(self, key: str) -> str:
        if not self.path:
            return key
        return f"[{self.path}] {key}" if self.bracketed else f"{self.path}.{key}"

    def __contains__(self, key: str) -> bool:
        return key in self.data

    def only(self, known: set[str], where: str) -> None:
        """Unknown keys are errors: a typo must not silently run with a default."""
        unknown = sorted(set(self.data) - known)
        if unknown:
            raise self.error(f"unknown key(s) {', '.join(unknown)} in {where}; known: {', '.join(sorted(known))}")

    def table(self, key: str, required: bool) -> Table:
        path = f"{self.path}.{key}" if self.path else key
        value = self.data.get(key)
        if value is None:
            if required:
                raise self.error(f"missing the [{path}] table")
            value = {}
        if not isinstance(value, Mapping):
            raise self.error(f"{self.where(key)} must be a table ([{path}]), got {type(value).__name__}")
        return Table(value, path, self.error, self.bracketed)

    def strings(self, key: str, split: Callable[[str], list[str]] | None = None) -> tuple[str, ...]:
        """A list of non-empty strings, stripped. One string is a list of one, or what ``split``
        makes of it (a comma-separated list, as on the command line)."""
        value = self.data[key]
        items = (split(value) if split else [value]) if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(v, str) and v.strip() for v in items):
            raise self.error(f"{self.where(key)} must be a string or a list of non-empty strings, got {value!r}")
        return tuple(v.strip() for v in items)


def _has_type(value: Any, kind: type | tuple[type, ...]) -> bool:
    """A bool is no number; an int is a float (TOML writes ``1`` for ``1.0``)."""
    if isinstance(value, bool) and kind is not bool:
        return False
    return isinstance(value, (int, float) if kind is float else kind)


SETTING = "kuchen.setting"
Config = TypeVar("Config")


@attrs.frozen
class Setting:
    """How one field of a config class is read: its ``key`` (the field's name when None) in the
    sub-table ``table`` (None: the table being read), the type a file value must have, and what any
    value must be. ``parse`` reads the file value itself (lists, tables) instead of taking it as it
    is; ``nested`` reads a sub-table as another config class (and says which keys it may hold). ``check`` sees the value and the fields
    read before it and returns what the value must be when it is not. ``must`` replaces every
    generated "must be ..." phrase when other words say it better. ``required``: present and not
    empty, else ``missing`` (or "missing KEY") is the error."""

    key: str | None = None
    table: str | None = None
    kind: type | tuple[type, ...] | None = None
    minimum: float | None = None
    choices: tuple[Any, ...] | None = None
    must: str | None = None
    required: bool = False
    missing: str | None = None
    parse: Callable[[Table, str], Any] | None = None
    nested: type | None = None
    check: Callable[[Any, Mapping[str, Any]], str | None] | None = None

    def problem(self, value: Any, earlier: Mapping[str, Any]) -> str | None:
        """What ``value`` must be when it is not acceptable, else None."""
        if self.choices is not None and value not in self.choices:
            return self.must or f"one of {list(self.choices)}"
        if self.minimum is not None and not value >= self.minimum:
            return self.must or f"at least {self.minimum}"
        found = self.check(value, earlier) if self.check else None
        return found and (self.must or found)


def setting(default: Any = attrs.NOTHING, *, converter: Callable[[Any], Any] | None = None, **how: Any) -> Any:
    """An attrs field read from a config table as ``how`` says (the keywords of :class:`Setting`)."""
    return attrs.field(default=default, converter=converter, metadata={SETTING: Setting(**how)})


def read_settings(cls: type[Config], table: Table, given: Mapping[str, Any] | None = None, title: str = "") -> Config:
    """Build ``cls`` from ``table``: every :func:`setting` field is read, type-checked and checked,
    one clear error per mistake. ``given`` holds command-line values by field name (None = not
    given); they replace the file's and are checked the same way (named ``--field-name``). With a
    ``title``, unknown keys in ``table`` (and in every sub-table the settings name) are errors."""
    if title:
        _check_keys(table, _layout(cls), title)
    values: dict[str, Any] = {}
    for name, how in _settings(cls):
        source = table.table(how.table, how.required) if how.table else table
        key = how.key or name
        value = (given or {}).get(name)
        where = f"--{name.replace('_', '-')}"
        if value is None:
            where = source.where(key)
            if key not in source:
                if how.required:
                    raise table.error(how.missing or f"missing {where}")
                continue
            if how.parse:
                value = how.parse(source, key)
            elif how.nested:
                value = read_settings(how.nested, source.table(key, how.required))
            else:
                value = source.data[key]
            if how.kind is not None and not _has_type(value, how.kind):
                must = how.must or f"a {getattr(how.kind, '__name__', how.kind)}"
                raise table.error(f"{where} must be {must}, got {value!r}")
        if how.required and _empty(value):
            raise table.error(how.missing or f"missing {where}")
        problem = how.problem(value, values)
        if problem:
            raise table.error(f"{where} must be {problem}, got {value!r}")
        values[name] = float(value) if how.kind is float else value
    return cls(**values)


def _empty(value: Any) -> bool:
    """A required setting must hold something: not a blank string, not an empty list."""
    return isinstance(value, (str, tuple, list, dict)) and not (value.strip() if isinstance(value, str) else value)


def _settings(cls: type) -> list[tuple[str, Setting]]:
    return [(field.name, field.metadata[SETTING]) for field in attrs.fields(cls) if SETTING in field.metadata]


def setting_keys(cls: type) -> set[str]:
    """The keys a table read as ``cls`` may hold: its settings' keys and sub-tables."""
    return set(_layout(cls))


def _layout(cls: type) -> dict[str, Any]:
    """The tables and keys ``cls`` reads: key → None (a value) or the layout of a sub-table."""
    layout: dict[str, Any] = {}
    for name, how in _settings(cls):
        node = layout.setdefault(how.table, {}) if how.table else layout
        key = how.key or name
        if how.nested:
            node.setdefault(key, {}).update(_layout(how.nested))
        else:
            node.setdefault(key, None)
    return layout


def _check_keys(table: Table, layout: Mapping[str, Any], title: str) -> None:
    table.only(set(layout), title)
    for key, sub in layout.items():
        if sub is not None and isinstance(table.data.get(key), Mapping):
            child = table.table(key, False)
            _check_keys(child, sub, f"[{child.path}]")
