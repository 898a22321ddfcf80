import numpy as np
import pytest

from kuchen_core import Registry, apply_methods, bits_per_pixel, parse_spec, run_pipeline, split_specs
from kuchen_core.testing import sample_photo

from fake_plugins import GoodPlugin


@pytest.fixture
def registry():
    return Registry.from_plugins(GoodPlugin())


def test_pipeline_counts_real_bytes_and_scores_against_the_input(registry):
    image = sample_photo()
    codec = registry.create("codec", "fakejpeg")
    invert = registry.create("method", "invert")
    result = run_pipeline(image, codec, 50, methods=[invert], metrics=[registry.create("metric", "mae")])
    assert result.n_bytes == len(result.data) == len(codec.encode(invert.apply(image), 50))
    assert result.bpp == pytest.approx(8 * len(result.data) / (image.shape[0] * image.shape[1]))
    np.testing.assert_array_equal(result.processed, 255 - image)
    # the metric compares the decoded image with the *input*, so inverting is heavily penalised
    assert result.scores["mae"] > 100
    assert set(result.timings) == {"methods", "encode", "decode", "metrics"}


def test_post_filters_run_after_decoding(registry):
    image = sample_photo()
    codec = registry.create("codec", "fakepng")
    result = run_pipeline(image, codec, 6, post=[registry.create("method", "invert")])
    np.testing.assert_array_equal(result.decoded, 255 - image)


def test_quality_outside_the_codec_range_is_a_clear_error(registry):
    with pytest.raises(ValueError, match=r"quality must be an integer in 1\.\.100"):
        run_pipeline(sample_photo(), registry.create("codec", "fakejpeg"), 101)


def test_a_method_that_changes_the_size_is_caught():
    class Crop:
        spec = "crop"

        def apply(self, image):
            return image[1:]

    with pytest.raises(ValueError, match="changed the image size"):
        apply_methods(sample_photo(), [Crop()])


def test_bits_per_pixel():
    assert bits_per_pixel(1000, (100, 80, 3)) == 1.0


@pytest.mark.parametrize(
    "text, name, params, positional",
    [
        ("jpeg", "jpeg", {}, None),
        ("nlmeans(h=5, search_window=21)", "nlmeans", {"h": "5", "search_window": "21"}, None),
        ("model:runs/ckpt.safetensors", "model", {}, "runs/ckpt.safetensors"),
    ],
)
def test_parse_spec(text, name, params, positional):
    spec = parse_spec(text)
    assert (spec.name, spec.params, spec.positional) == (name, params, positional)


def test_split_specs_keeps_commas_inside_parentheses():
    assert split_specs("detail,nlmeans(h=5,h_color=3), guetzli") == ["detail", "nlmeans(h=5,h_color=3)", "guetzli"]
    assert split_specs("none") == []
    with pytest.raises(ValueError, match="unbalanced"):
        split_specs("a(b=1")
    with pytest.raises(ValueError, match="expected key=value"):
        parse_spec("a(b)")
