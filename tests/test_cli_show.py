"""``kuchen show``: one plugin object described in full, as text and JSON; ``methods show`` is its alias."""

import json

import pytest
from click.testing import CliRunner

from kuchen_core import Method, MethodInfo, get_registry, hookimpl
from kuchen_core.cli import cli
from kuchen_core.testing import registered

from fake_plugins import FakeJpeg, GoodPlugin


def invoke(*args):
    return CliRunner().invoke(cli, list(args))


def test_show_codec_prints_quality_range_params_and_provider():
    with registered(GoodPlugin()):
        result = invoke("show", "codec", "fakepng")
    assert result.exit_code == 0, result.output
    assert "codec fakepng: Lossless PNG" in result.output
    assert "quality 0..9 (lower is better), writes .png files" in result.output
    assert "provided by GoodPlugin" in result.output


def test_show_without_kind_finds_the_unique_name_and_json_has_every_field():
    with registered(GoodPlugin()):
        result = invoke("show", "invert", "--json")
    assert result.exit_code == 0, result.output
    record = json.loads(result.output)
    assert record["kind"] == "method" and record["description"] == "255 - x"
    assert record["params"] == [
        {
            "name": "amount",
            "type": "float",
            "default": 1.0,
            "description": "blend",
            "choices": None,
            "minimum": 0,
            "maximum": 1,
        }
    ]
    assert record["weights"] is None  # not a network method


def test_show_metric_says_direction_and_reference():
    with registered(GoodPlugin()):
        record = json.loads(invoke("show", "metric", "mae", "--json").output)
        text = invoke("show", "mae").output
    assert record["needs_reference"] is True and record["higher_is_better"] is False and record["range"] == [0, 255]
    assert "full-reference, lower is better, range 0..255" in text


class _Clash(Method):
    info = MethodInfo(name="fakejpeg", description="a method that shares a codec's name")

    def apply(self, image):
        return image


class _ClashPlugin:
    @hookimpl
    def register_methods(self, register):
        register(_Clash)

    @hookimpl
    def register_codecs(self, register):
        register(FakeJpeg)


def test_ambiguous_and_unknown_names_are_usage_errors_that_say_what_to_type():
    with registered(_ClashPlugin()):
        ambiguous = invoke("show", "fakejpeg")
        unknown = invoke("show", "fakejpg")
        bad_kind = invoke("show", "codecs", "fakejpeg")
    assert ambiguous.exit_code == 2 and "kuchen show method fakejpeg or kuchen show codec fakejpeg" in ambiguous.output
    assert unknown.exit_code == 2 and "Did you mean: fakejpeg?" in unknown.output
    assert bad_kind.exit_code == 2 and "KIND one of method, codec, metric, backbone" in bad_kind.output


def test_methods_show_is_an_alias():
    with registered(GoodPlugin()):
        assert invoke("methods", "show", "invert").output == invoke("show", "method", "invert").output


def test_network_method_shows_its_weights_record():
    """The shipped ``kuchen`` method: the sidecar's training, data and validation come through."""
    if "kuchen" not in get_registry().names("method"):
        pytest.skip("kuchen-plugin-unet is not installed")
    record = json.loads(invoke("show", "method", "kuchen", "--json").output)
    weights = record["weights"]
    assert weights["path"].endswith("kuchen.safetensors") and weights["backbone"].startswith("unet")
    assert {"training", "data", "data_hash", "validation"} <= set(weights)
    assert record["distribution"] == "kuchen-plugin-unet" and record["version"]
    text = invoke("show", "kuchen").output
    assert "trained: backbone unet" in text and "validation: " in text and "data: manifest" in text
