"""Reading TOML config files into checked values, with one kind of error for every way they can
fail, so ``label``, ``bench`` and ``train`` report a missing file, an unknown key or a wrong type
the same way (each names the key, e.g. ``pool.max_group_size must be a int, got 'x'``)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable, Mapping

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
    """One TOML table and the name it is shown by (``[pool]``, ``pool.``): typed getters that raise
    ``error`` naming the key, so every reader checks types the same way."""

    def __init__(self, data: Mapping[str, Any], prefix: str = "", error: type[ConfigError] = ConfigError) -> None:
        self.data, self.prefix, self.error = data, prefix, error

    def where(self, key: str) -> str:
        return f"{self.prefix}{key}"

    def __contains__(self, key: str) -> bool:
        return key in self.data

    def only(self, known: set[str], where: str) -> None:
        """Unknown keys are errors: a typo must not silently run with a default."""
        unknown = sorted(set(self.data) - known)
        if unknown:
            raise self.error(f"unknown key(s) {', '.join(unknown)} in {where}; known: {', '.join(sorted(known))}")

    def table(self, key: str, required: bool) -> Table:
        value = self.data.get(key)
        if value is None:
            if required:
                raise self.error(f"missing the [{self.where(key)}] table")
            value = {}
        if not isinstance(value, Mapping):
            raise self.error(f"{self.where(key)} must be a table ([{self.where(key)}]), got {type(value).__name__}")
        return Table(value, f"{self.where(key)}.", self.error)

    def get(self, key: str, kind: type, default: Any = None) -> Any:
        """The value of ``key`` when it has type ``kind`` (a bool is no int), ``default`` when absent."""
        if key not in self.data:
            return default
        value = self.data[key]
        if not isinstance(value, kind) or (kind in (int, float) and isinstance(value, bool)):
            raise self.error(f"{self.where(key)} must be a {kind.__name__}, got {value!r}")
        return value

    def require(self, key: str, kind: type) -> Any:
        value = self.get(key, kind)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise self.error(f"missing {self.where(key)}")
        return value

    def number(self, key: str, default: float, minimum: float = 0.0) -> float:
        value = self.data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= minimum:
            raise self.error(f"{self.where(key)} must be a number >= {minimum:g}, got {value!r}")
        return float(value)

    def str_list(
        self, key: str, required: bool = False, split: Callable[[str], list[str]] | None = None
    ) -> list[str] | None:
        """A list of non-empty strings, stripped; ``None`` when absent. One string is a list of one, or
        what ``split`` makes of it (a comma-separated list, as on the command line)."""
        if key not in self.data:
            if required:
                raise self.error(f"missing {self.where(key)}")
            return None
        value = self.data[key]
        items = (split(value) if split else [value]) if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(v, str) and v.strip() for v in items):
            raise self.error(f"{self.where(key)} must be a string or a list of non-empty strings, got {value!r}")
        return [v.strip() for v in items]
