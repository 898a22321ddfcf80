"""Parse the text users write to name a plugin object: ``name``, ``name(key=value,...)``
or ``name:value`` (the value goes to the first declared parameter, e.g. ``model:ckpt.safetensors``).

Lists are comma-separated; commas inside parentheses belong to the parameters.
"""

from __future__ import annotations

import re

import attrs

_SPEC = re.compile(r"^\s*(?P<name>[A-Za-z0-9_.\-]+)\s*(?:\((?P<args>.*)\)|:(?P<positional>.+))?\s*$", re.S)


@attrs.frozen
class PluginSpec:
    name: str
    params: dict[str, str] = attrs.field(factory=dict)
    positional: str | None = None


def parse_spec(text: str) -> PluginSpec:
    """Parse one ``name(key=value,...)`` / ``name:value`` / ``name`` spec."""
    match = _SPEC.match(text)
    if not match:
        raise ValueError(f"cannot parse {text!r}: expected name, name(key=value,...) or name:value")
    params: dict[str, str] = {}
    for item in split_top_level(match["args"] or ""):
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"cannot parse parameter {item!r} in {text!r}: expected key=value")
        params[key.strip()] = value.strip()
    positional = match["positional"].strip() if match["positional"] else None
    return PluginSpec(match["name"].lower(), params, positional)


def split_specs(text: str) -> list[str]:
    """Split ``a,b(k=1,j=2),c`` into its specs; ``none`` or an empty string is an empty list."""
    items = split_top_level(text)
    return [] if items == ["none"] else items


def split_chain(text: str) -> list[str]:
    """Split a method list written either way, ``a+b(k=1)`` or ``a,b(k=1)``, into its specs."""
    return [part for item in split_specs(text) for part in split_top_level(item, "+")]


def split_top_level(text: str, separator: str = ",", keep_empty: bool = False) -> list[str]:
    """Split ``text`` at ``separator`` outside parentheses, each part stripped (empty ones dropped
    unless ``keep_empty``); unbalanced parentheses are a ``ValueError``."""
    items: list[str] = []
    depth = start = 0
    for i, char in enumerate(text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth < 0:
                raise ValueError(f"unbalanced parentheses in {text!r}")
        elif char == separator and depth == 0:
            items.append(text[start:i].strip())
            start = i + 1
    if depth:
        raise ValueError(f"unbalanced parentheses in {text!r}")
    items.append(text[start:].strip())
    return items if keep_empty else [item for item in items if item]
