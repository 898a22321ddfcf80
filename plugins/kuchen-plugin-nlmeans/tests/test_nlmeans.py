"""The ``nlmeans`` method: contract, noise removal on a flat image, BGR handling, parameter errors."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import kuchen_plugin_nlmeans
from kuchen_core import get_registry
from kuchen_core.testing import MethodContract, sample_photo


@pytest.fixture(autouse=True)
def _nlmeans_registered(kuchen_register):
    kuchen_register(kuchen_plugin_nlmeans)


class TestNlMeansContract(MethodContract):
    spec = "nlmeans"


class TestStrongNlMeansContract(MethodContract):
    spec = "nlmeans(h=12,h_color=12,template_window=5,search_window=11)"


def make(**params):
    return get_registry().create("method", "nlmeans", **params)


def noisy_flat(sigma: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    flat = np.full((64, 64, 3), (120, 130, 110), dtype=np.float64)
    return np.clip(np.rint(flat + rng.normal(0, sigma, flat.shape)), 0, 255).astype(np.uint8)


def test_reduces_noise_variance_on_a_flat_image():
    noisy = noisy_flat(sigma=4.0)
    out = make().apply(noisy)
    assert out.astype(float).var(axis=(0, 1)).max() < 0.25 * noisy.astype(float).var(axis=(0, 1)).min()
    # OpenCV denoises an 8-bit CIELAB copy: its round trip may shift the mean by about one level
    np.testing.assert_allclose(out.mean(axis=(0, 1)), noisy.mean(axis=(0, 1)), atol=1.5)


def test_higher_h_removes_more_noise():
    noisy = noisy_flat(sigma=12.0)
    variances = [make(h=h, h_color=h).apply(noisy).astype(float).var() for h in (1.0, 5.0, 15.0)]
    assert variances[0] > variances[1] > variances[2], variances


def test_feeds_opencv_bgr_and_returns_rgb():
    """OpenCV's CIELAB split assumes BGR: the result equals OpenCV on the BGR image, flipped back,
    and differs from what feeding RGB straight in would give."""
    import cv2

    photo = sample_photo()
    ours = make(h=10.0, h_color=3.0).apply(photo)
    reference = cv2.fastNlMeansDenoisingColored(np.ascontiguousarray(photo[..., ::-1]), None, 10.0, 3.0, 7, 21)
    np.testing.assert_array_equal(ours, reference[..., ::-1])
    unconverted = cv2.fastNlMeansDenoisingColored(photo, None, 10.0, 3.0, 7, 21)
    assert not np.array_equal(ours, unconverted)


@pytest.mark.parametrize("name", ["template_window", "search_window"])
@pytest.mark.parametrize("value", [2, 4, 20])
def test_even_windows_are_a_clear_error(name, value):
    with pytest.raises(ValueError, match=f"{name}' must be odd.*got {value}; use {value + 1}"):
        make(**{name: value})


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"h": -1}, "'h' must be >= 0"),
        ({"h_color": "strong"}, "'h_color' expects float"),
        ({"h": "nan"}, "'h' must be a finite number"),
        ({"template_window": "3.5"}, "'template_window' expects int"),
        ({"search_window": -3}, "'search_window' must be >= 1"),
        ({"sigma": 3}, "unknown parameter"),
    ],
)
def test_invalid_parameters_are_clear_errors(params, message):
    with pytest.raises(ValueError, match=message):
        make(**params)


def test_parameters_parse_from_a_spec():
    method = get_registry().create("method", "nlmeans(h=4,search_window=15)")
    assert method.params == {"h": 4.0, "h_color": 3.0, "template_window": 7, "search_window": 15}


def test_records_the_opencv_version():
    import cv2

    assert make().library_versions() == {"opencv": cv2.__version__}


def test_importing_the_plugin_does_not_import_opencv():
    code = "import sys, kuchen_plugin_nlmeans; print('cv2' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
