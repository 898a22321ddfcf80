"""The one declarative config reader: fields say where their key lives and what it must be."""

import attrs
import pytest

from kuchen_core.runtime.config import ConfigError, Table, read_settings, setting, setting_keys


@attrs.frozen
class Inner:
    size: int = setting(1, kind=int, minimum=1)


@attrs.frozen
class Outer:
    name: str = setting(kind=str, required=True)
    mode: str = setting("fast", table="run", kind=str, choices=("fast", "slow"))
    steps: int = setting(10, table="run", kind=int, minimum=1, must="a positive integer")
    inner: Inner = setting(Inner(), nested=Inner)


def read(data, given=None):
    return read_settings(Outer, Table(data), given, "the top level")


def test_defaults_file_values_and_given_values_merge():
    assert read({"name": "a"}) == Outer("a")
    assert read({"name": "a", "run": {"mode": "slow"}, "inner": {"size": 3}}) == Outer("a", "slow", 10, Inner(3))
    assert read({"name": "a", "run": {"steps": 5}}, {"steps": 7, "mode": None}).steps == 7
    assert setting_keys(Outer) == {"name", "run", "inner"}


@pytest.mark.parametrize(
    "data, given, message",
    [
        ({}, None, "missing name"),
        ({"name": " "}, None, "missing name"),
        ({"name": 3}, None, "name must be a str, got 3"),
        ({"name": "a", "run": {"mode": "quick"}}, None, "run.mode must be one of ['fast', 'slow'], got 'quick'"),
        ({"name": "a", "run": {"steps": True}}, None, "run.steps must be a positive integer, got True"),
        ({"name": "a"}, {"steps": 0}, "--steps must be a positive integer, got 0"),
        ({"name": "a", "inner": {"size": 0}}, None, "inner.size must be at least 1, got 0"),
        ({"name": "a", "run": {"mood": 1}}, None, "unknown key(s) mood in [run]; known: mode, steps"),
        ({"name": "a", "inner": {"sise": 1}}, None, "unknown key(s) sise in [inner]; known: size"),
        ({"name": "a", "extra": 1}, None, "unknown key(s) extra in the top level"),
    ],
)
def test_every_mistake_is_one_error_naming_the_key(data, given, message):
    with pytest.raises(ConfigError) as info:
        read(data, given)
    assert message in str(info.value)
