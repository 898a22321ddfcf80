"""The four hooks a Kuchen plugin can implement.

Each hook receives a ``register`` callback (the ``llm`` style): a plugin calls it once per
class it provides. Hooks take keyword arguments only, so new arguments stay opt-in.
"""

from __future__ import annotations

from typing import Callable

import pluggy

PROJECT = "kuchen"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def register_methods(register: Callable[[type], None]) -> None:
    """Register preprocessing/post-processing method classes (subclasses of ``Method``)."""


@hookspec
def register_codecs(register: Callable[[type], None]) -> None:
    """Register codec classes (subclasses of ``Codec``)."""


@hookspec
def register_metrics(register: Callable[[type], None]) -> None:
    """Register quality metric classes (subclasses of ``Metric``)."""


@hookspec
def register_backbones(register: Callable[[type], None]) -> None:
    """Register network backbone classes (subclasses of ``Backbone``)."""
