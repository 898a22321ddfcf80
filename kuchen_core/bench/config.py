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
from ..runtime.config import ConfigError, Table, read_toml


class BenchConfigError(ConfigError):
    """The bench's settings are malformed or name something the registry cannot build."""


ALL = "*"  # the key of a per-codec value given for every codec
NONE = "none"
CHAIN_SEPARATOR = "+"
BD_METHODS = ("akima", "pchip", "cubic")


@attrs.frozen
class BenchConfig:
    """What to run; per-codec maps are keyed by the codec as written, its plain name, or ``*``."""

    images: tuple[str, ...]
    out: Path
    codecs: tuple[str, ...]
    pre: tuple[str, ...] = (NONE,)
    metrics: tuple[str, ...] = ()
    post: tuple[str, ...] = ()
    quality: dict[str, int] = attrs.field(factory=dict)
    ladder: dict[str, tuple[int, ...]] = attrs.field(factory=dict)
    post_qualities: dict[str, tuple[int, ...]] = attrs.field(factory=dict)
    baseline: dict[str, str] = attrs.field(factory=dict)
    cache: Path | None = None
    limit: int | None = None
    seed: int = 0
    crops: int = 4
    crop_size: int = 128
    matched: bool = True
    bd_method: str = "akima"
    plugin_modules: tuple[str, ...] = ()

    @property
    def cache_dir(self) -> Path:
        return self.cache if self.cache is not None else self.out / "cache"

    def to_json(self) -> dict[str, Any]:
        """The parameters as recorded with every output."""
        data = attrs.asdict(self)
        data["out"], data["cache"] = str(self.out), str(self.cache_dir)
        return data


_KEYS = {
    "images",
    "out",
    "codecs",
    "pre",
    "metrics",
    "post",
    "quality",
    "ladder",
    "post_qualities",
    "baseline",
    "cache",
    "limit",
    "seed",
    "crops",
    "crop_size",
    "matched",
    "bd_method",
    "plugin_modules",
}


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
    if isinstance(value, bool):
        raise BenchConfigError(f"{where} must be an integer, got {value!r}")
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        raise BenchConfigError(f"{where} must be an integer, got {value!r}") from None


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
    Table(data, error=BenchConfigError).only(_KEYS, str(path))
    return data


def _per_codec(data: Mapping[str, Any], key: str, convert: Any) -> dict[str, Any]:
    """A scalar/list for every codec, or a table ``{codec = value}``."""
    if key not in data:
        return {}
    value = data[key]
    if isinstance(value, dict):
        return {str(k).strip(): convert(v, f"{key}.{k}") for k, v in value.items()}
    return {ALL: convert(value, key)}


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


def make_config(file_data: Mapping[str, Any] | None = None, **options: Any) -> BenchConfig:
    """Merge a parsed TOML mapping with command-line ``options`` (``None`` = not given) and check them.

    Options: images, out, cache, codecs, pre, metrics, post (tuples of strings), quality, ladder,
    post_qualities, baseline (per-codec dicts), limit, seed, crops, matched, bd_method, plugin_modules.
    """
    given = _Given(dict(file_data or {}), options)
    images, out, codecs = _required(given)
    pre = _pre_labels(given.pick("pre", given.listed("pre")) or (NONE,))
    cache = given.pick("cache", given.table.get("cache", str, None))
    limit = given.pick("limit", given.table.get("limit", int, None))
    if limit is not None and limit < 1:
        raise BenchConfigError(f"limit must be at least 1, got {limit}")
    crops = given.pick("crops", given.table.get("crops", int, 4))
    crop_size = given.pick("crop_size", given.table.get("crop_size", int, 128))
    if crops < 0 or crop_size < 8:
        raise BenchConfigError(f"crops must be >= 0 and crop_size >= 8, got {crops} and {crop_size}")
    bd_method = given.pick("bd_method", given.table.get("bd_method", str, "akima"))
    if bd_method not in BD_METHODS:
        raise BenchConfigError(f"bd_method must be one of {list(BD_METHODS)}, got {bd_method!r}")
    return BenchConfig(
        images=tuple(images),
        out=Path(out),
        codecs=tuple(c.strip() for c in codecs),
        pre=pre,
        metrics=given.strings("metrics"),
        post=given.strings("post"),
        quality=given.per_codec("quality", _int),
        ladder=given.per_codec("ladder", _int_list),
        post_qualities=given.per_codec("post_qualities", _int_list),
        baseline=given.per_codec("baseline", _str_value),
        cache=Path(cache) if cache is not None else None,
        limit=limit,
        seed=given.pick("seed", given.table.get("seed", int, 0)),
        crops=crops,
        crop_size=crop_size,
        matched=given.pick("matched", given.table.get("matched", bool, True)),
        bd_method=bd_method,
        plugin_modules=given.strings("plugin_modules"),
    )


@attrs.frozen
class _Given:
    """The config file's keys and the command-line options over them (an option of ``None`` = not given)."""

    data: dict[str, Any]
    options: Mapping[str, Any]

    @property
    def table(self) -> Table:
        return Table(self.data, error=BenchConfigError)

    def pick(self, key: str, from_file: Any) -> Any:
        value = self.options.get(key)
        return from_file if value is None else value

    def listed(self, key: str) -> tuple[str, ...] | None:
        """The file's list of strings; one string is a comma-separated list (but one image entry)."""
        found = self.table.str_list(key, split=None if key == "images" else split_specs)
        return None if found is None else tuple(found)

    def strings(self, key: str) -> tuple[str, ...]:
        return tuple(self.pick(key, self.listed(key)) or ())

    def per_codec(self, key: str, convert: Any) -> dict[str, Any]:
        from_file = _per_codec(self.data, key, convert)
        if (
            self.options.get("codecs") is not None
        ):  # --codecs narrowed the file's list: its values for the others do not apply
            chosen = _codec_keys(self.options["codecs"])
            from_file = {k: v for k, v in from_file.items() if k in chosen}
        return {**from_file, **(self.options.get(key) or {})}


def _required(given: _Given) -> tuple[tuple[str, ...], str, tuple[str, ...]]:
    """The images, the output folder and the codecs, without which there is no bench."""
    images = given.pick("images", given.listed("images"))
    if not images:
        raise BenchConfigError("no images: pass --images DIR (folders, globs, image files or .txt lists)")
    out = given.pick("out", given.table.get("out", str, None))
    if out is None:
        raise BenchConfigError("missing the output folder: --out DIR (or 'out' in the config)")
    codecs = given.pick("codecs", given.listed("codecs"))
    if not codecs:
        raise BenchConfigError("no codecs: pass --codecs, e.g. --codecs jpeg,webp")
    return images, out, codecs


def _pre_labels(pre: Iterable[str]) -> tuple[str, ...]:
    """The pre-processing chains as labels: ``none`` only on its own, none listed twice."""
    for chain in pre:
        for spec in split_chain(chain):
            if spec.lower() == NONE:
                raise BenchConfigError(f"'none' cannot be part of a chain ({chain!r})")
    labels = tuple(c.strip() for c in pre)
    if len(set(labels)) != len(labels):
        raise BenchConfigError(f"--pre lists a pre-processing twice: {list(labels)}")
    return labels
