"""The bench's settings: from a TOML file (``--config``), from command-line options, or both
(options override the file key by key; per-codec values merge).

Only structure and value types are checked here; plugin names, parameters and qualities are
checked against the registry by :func:`kuchen_core.bench.plan.build_plan` before any work.

Lists of pre-processings are comma-separated like every plugin list; inside one entry ``+``
chains methods in order (``nlmeans+detail`` = NL-means, then the detail filter). ``none`` is the
untouched image, the *Original* every row is compared with.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterable, Mapping

import attrs

from ..specs import parse_spec, split_specs, split_top_level
from ..runtime.config import ConfigError, Table, read_settings, read_toml, setting, setting_keys


class BenchConfigError(ConfigError):
    """The bench's settings are malformed or name something the registry cannot build."""


ALL = "*"  # the key of a per-codec value given for every codec
NONE = "none"
CHAIN_SEPARATOR = "+"
BD_METHODS = ("akima", "pchip", "cubic")


def split_chain(text: str) -> list[str]:
    """``nlmeans(h=5)+detail`` → ``["nlmeans(h=5)", "detail"]``; ``none`` → ``[]``. ``+`` inside
    parentheses belongs to a parameter value."""
    try:
        parts = split_top_level(text, CHAIN_SEPARATOR, keep_empty=True)
    except ValueError as exc:
        raise BenchConfigError(str(exc)) from None
    if any(not part for part in parts):
        raise BenchConfigError(f"empty method in chain {text!r}: write methods as a+b+c")
    return [] if [p.lower() for p in parts] == [NONE] else parts


def split_keyed(text: str) -> tuple[str, str]:
    """``jpeg=50`` → ("jpeg", "50"); ``jpeg(subsampling=4:4:4)=50`` keeps the parameters in the key;
    a value without a key (``50``) is for every codec (key ``*``)."""
    depth, cut = 0, -1
    for i, char in enumerate(text):
        depth += (char == "(") - (char == ")")
        if char == "=" and depth == 0:
            cut = i
    if cut < 0:
        return ALL, text.strip()
    key, value = text[:cut].strip(), text[cut + 1 :].strip()
    if not key:
        raise BenchConfigError(f"cannot read {text!r}: expected CODEC=VALUE or VALUE")
    return key, value


def _int(value: Any, where: str) -> int:
    try:
        if not isinstance(value, bool):  # TOML's true is no quality
            return value if isinstance(value, int) else int(str(value).strip())
    except ValueError:
        pass
    raise BenchConfigError(f"{where} must be an integer, got {value!r}")


def _int_list(value: Any, where: str) -> tuple[int, ...]:
    items = value if isinstance(value, list) else [v for v in str(value).split(",") if v.strip()]
    if not items:
        raise BenchConfigError(f"{where} must list at least one quality")
    numbers = tuple(_int(v, where) for v in items)
    if len(set(numbers)) != len(numbers):
        raise BenchConfigError(f"{where} lists a quality twice: {list(numbers)}")
    return numbers


def parse_quality_options(values: tuple[str, ...], where: str) -> dict[str, int]:
    """``--quality 50 --quality webp=60`` (or ``jpeg=50,webp=60``) → {"*": 50, "webp": 60}."""
    out: dict[str, int] = {}
    for value in values:
        for item in split_specs(value):
            key, number = split_keyed(item)
            out[key] = _int(number, f"{where} {item!r}")
    return out


def parse_list_options(values: tuple[str, ...], where: str) -> dict[str, tuple[int, ...]]:
    """``--ladder 20,40,60 --ladder hevc=10,30,50`` → {"*": (20, 40, 60), "hevc": (10, 30, 50)}."""
    out: dict[str, tuple[int, ...]] = {}
    for value in values:
        key, numbers = split_keyed(value)
        out[key] = _int_list(numbers, f"{where} {value!r}")
    return out


def parse_baseline_options(values: tuple[str, ...]) -> dict[str, str]:
    """``--baseline jpegli`` (every codec against jpegli) or ``--baseline jpeg=jpegli``."""
    out: dict[str, str] = {}
    for value in values:
        key, codec = split_keyed(value)
        if not codec:
            raise BenchConfigError(f"--baseline {value!r}: name a codec")
        out[key] = codec
    return out


def load_toml(path: str | os.PathLike) -> dict[str, Any]:
    path = Path(path)
    data = read_toml(path, BenchConfigError)
    Table(data, error=BenchConfigError).only(setting_keys(BenchConfig), str(path))
    return data


def make_config(file_data: Mapping[str, Any] | None = None, **options: Any) -> BenchConfig:
    """Merge a parsed TOML mapping with command-line ``options`` (:class:`BenchConfig`'s fields; ``None`` =
    not given) and check them."""
    table = Table(file_data or {}, error=BenchConfigError)
    codecs = options.get("codecs")
    chosen = _codec_keys(codecs) if codecs is not None else None  # the file's values for other codecs do not apply
    for key, convert in PER_CODEC.items():
        options[key] = {**_per_codec(table, key, convert, chosen), **(options.get(key) or {})}
    return read_settings(BenchConfig, table, options)


def _per_codec(table: Table, key: str, convert: Any, chosen: set[str] | None) -> dict[str, Any]:
    """A scalar/list for every codec, or a table ``{codec = value}``; only ``chosen`` codecs' values."""
    if key not in table:
        return {}
    value = table.data[key]
    if isinstance(value, dict):
        found = {str(k).strip(): convert(v, f"{key}.{k}") for k, v in value.items()}
    else:
        found = {ALL: convert(value, key)}
    return {k: v for k, v in found.items() if chosen is None or k in chosen}


def _codec_keys(codecs: Iterable[str]) -> set[str]:
    """The keys a per-codec value may have for these codecs: each as written, its plain name, ``*``."""
    keys = {ALL}
    for codec in codecs:
        keys.add(codec.strip())
        try:
            keys.add(parse_spec(codec).name)
        except ValueError:
            pass  # a malformed spec is reported by the plan, with the registry's advice
    return keys


def _str_value(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise BenchConfigError(f"{where} must be a codec name, got {value!r}")
    return value.strip()


PER_CODEC = {"quality": _int, "ladder": _int_list, "post_qualities": _int_list, "baseline": _str_value}


def _specs(table: Table, key: str) -> tuple[str, ...]:
    """A list of strings; one string is a comma-separated list, like a plugin list on the command line."""
    return table.strings(key, split_specs)


def _stripped(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(value.strip() for value in values)


def _pre_labels(pre: Iterable[str]) -> tuple[str, ...]:
    """The pre-processing chains as labels: ``none`` only on its own, none listed twice."""
    for chain in pre:
        if any(spec.lower() == NONE for spec in split_chain(chain)):
            raise BenchConfigError(f"'none' cannot be part of a chain ({chain!r})")
    labels = _stripped(pre)
    if len(set(labels)) != len(labels):
        raise BenchConfigError(f"--pre lists a pre-processing twice: {list(labels)}")
    return labels


@attrs.frozen
class BenchConfig:
    """What to run; per-codec maps are keyed by the codec as written, its plain name, or ``*``."""

    images: tuple[str, ...] = setting(
        required=True,
        missing="no images: pass --images DIR (folders, globs, image files or .txt lists)",
        parse=Table.strings,  # one string is one entry: a path may hold a comma
        converter=tuple,
    )
    out: Path = setting(
        kind=str, required=True, missing="missing the output folder: --out DIR (or 'out' in the config)", converter=Path
    )
    codecs: tuple[str, ...] = setting(
        required=True, missing="no codecs: pass --codecs, e.g. --codecs jpeg,webp", parse=_specs, converter=_stripped
    )
    pre: tuple[str, ...] = setting((NONE,), parse=_specs, converter=lambda pre: _pre_labels(pre or (NONE,)))
    metrics: tuple[str, ...] = setting((), parse=_specs, converter=tuple)
    post: tuple[str, ...] = setting((), parse=_specs, converter=tuple)
    quality: dict[str, int] = setting(attrs.Factory(dict))
    ladder: dict[str, tuple[int, ...]] = setting(attrs.Factory(dict))
    post_qualities: dict[str, tuple[int, ...]] = setting(attrs.Factory(dict))
    baseline: dict[str, str] = setting(attrs.Factory(dict))
    cache: Path | None = setting(None, kind=str, converter=attrs.converters.optional(Path))
    limit: int | None = setting(None, kind=int, minimum=1)
    seed: int = setting(0, kind=int)
    crops: int = setting(4, kind=int, minimum=0)
    crop_size: int = setting(128, kind=int, minimum=8)
    matched: bool = setting(True, kind=bool)
    bd_method: str = setting("akima", kind=str, choices=BD_METHODS)
    plugin_modules: tuple[str, ...] = setting((), parse=_specs, converter=tuple)

    @property
    def cache_dir(self) -> Path:
        return self.cache if self.cache is not None else self.out / "cache"

    def to_json(self) -> dict[str, Any]:
        """The parameters as recorded with every output."""
        data = attrs.asdict(self)
        data["out"], data["cache"] = str(self.out), str(self.cache_dir)
        return data
