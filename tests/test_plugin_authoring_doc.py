"""docs/plugin-authoring.md stays true: its quotes match the example plugin's files, and the
sketches of the other kinds pass their contracts."""
from __future__ import annotations

import re
import types
from pathlib import Path

import pytest

from kuchen_core.testing import check_backbone, check_method, check_metric, registered

REPO = Path(__file__).resolve().parents[1]
GUIDE = REPO / "docs" / "plugin-authoring.md"
QUOTE = re.compile(r"<!-- quote: (?P<path>\S+) -->\n```\w*\n(?P<body>.*?)```", re.S)
EXAMPLE = re.compile(r"<!-- example: other kinds -->\n```python\n(?P<body>.*?)```", re.S)


def test_every_quote_is_a_verbatim_excerpt_of_the_file_it_names():
    text = GUIDE.read_text()
    quotes = list(QUOTE.finditer(text))
    assert len(quotes) == text.count("<!-- quote:") >= 5, "every quote marker must sit right above its code block"
    for quote in quotes:
        source = REPO / quote["path"]
        assert source.is_file(), f"the guide quotes {quote['path']}, which does not exist"
        assert quote["body"] in source.read_text(), f"the guide's quote of {quote['path']} no longer matches it"


def test_the_other_kinds_example_passes_its_contracts():
    (match,) = EXAMPLE.finditer(GUIDE.read_text())
    module = types.ModuleType("guide_example")
    exec(compile(match["body"], str(GUIDE), "exec"), module.__dict__)
    with registered(module) as registry:
        assert registry.failures == []
        check_method(registry.create("method", "posterize:3"))
        check_metric(registry.create("metric", "mae"))
        pytest.importorskip("torch")
        check_backbone(registry.create("backbone", "tiny-residual(channels=4)"))
