"""Pytest fixtures for Kuchen plugin tests, loaded automatically through ``pytest11``."""

from __future__ import annotations

import contextlib
from typing import Any, Callable, Iterator

import pytest

from ..registry import Registry, use_registry


@pytest.fixture
def fresh_registry() -> Iterator[Registry]:
    """An empty registry that is the current one for this test; nothing installed leaks in."""
    with use_registry(Registry.from_plugins()) as registry:
        yield registry


@pytest.fixture
def kuchen_register() -> Iterator[Callable[..., Registry]]:
    """Call with plugin objects to make a fresh registry of just them current for this test."""
    with contextlib.ExitStack() as stack:

        def register(*plugins: Any, installed: bool = False, strict: bool = False) -> Registry:
            registry = Registry.from_plugins(*plugins, installed=installed, strict=strict)
            stack.enter_context(use_registry(registry))
            return registry

        yield register


@pytest.fixture
def torch_single_thread() -> Iterator[None]:
    """Run torch on one thread for a test: small tensors are as fast, and two threads stall badly
    when other jobs hold the cores. Use with ``pytestmark = pytest.mark.usefixtures(...)``."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
