"""The ``detail`` method: contract, identity at strength 0, Pillow's filter at 1, more detail above."""

from __future__ import annotations

import numpy as np
import PIL
import pytest
from PIL import Image, ImageFilter

import kuchen_plugin_detail
from kuchen_core import get_registry
from kuchen_core.testing import MethodContract, sample_photo


@pytest.fixture(autouse=True)
def _detail_registered(kuchen_register):
    kuchen_register(kuchen_plugin_detail)


class TestDetailContract(MethodContract):
    spec = "detail"


class TestStrongDetailContract(MethodContract):
    spec = "detail(strength=2.5)"


def make(**params):
    return get_registry().create("method", "detail", **params)


def high_frequency_energy(image: np.ndarray) -> float:
    """Mean squared discrete Laplacian over the interior: what a high-pass boost raises."""
    x = image.astype(np.float64)
    lap = 4 * x[1:-1, 1:-1] - x[:-2, 1:-1] - x[2:, 1:-1] - x[1:-1, :-2] - x[1:-1, 2:]
    return float(np.mean(lap**2))


def test_strength_zero_is_identity():
    photo = sample_photo()
    np.testing.assert_array_equal(make(strength=0).apply(photo), photo)


def test_strength_one_is_pillows_detail_filter_inside_the_frame():
    photo = sample_photo()
    pillow = np.asarray(Image.fromarray(photo).filter(ImageFilter.DETAIL))
    ours = make().apply(photo)
    np.testing.assert_array_equal(ours[1:-1, 1:-1], pillow[1:-1, 1:-1])


def test_the_border_is_filtered_too():
    """Pillow copies its 1-pixel frame unfiltered; we filter it from an edge-replicated copy."""
    photo = sample_photo()
    out = make().apply(photo)
    frame = np.concatenate([out[0], out[-1], out[:, 0], out[:, -1]])
    original = np.concatenate([photo[0], photo[-1], photo[:, 0], photo[:, -1]])
    assert np.mean(frame != original) > 0.3


def test_more_strength_means_more_high_frequency_energy():
    photo = sample_photo()
    energies = [high_frequency_energy(make(strength=s).apply(photo)) for s in (0.0, 0.5, 1.0, 2.0)]
    assert all(a < b for a, b in zip(energies, energies[1:])), energies
    assert energies[2] > 1.5 * energies[0], energies


def test_the_mean_colour_is_kept():
    """DETAIL's kernel sums to its divisor, so only high frequencies change."""
    photo = sample_photo()
    out = make(strength=1.0).apply(photo)
    np.testing.assert_allclose(out.mean(axis=(0, 1)), photo.mean(axis=(0, 1)), atol=1.0)


def test_flat_and_tiny_images_are_unchanged():
    flat = np.full((5, 4, 3), (10, 200, 77), dtype=np.uint8)
    np.testing.assert_array_equal(make(strength=3).apply(flat), flat)
    one = np.array([[[1, 2, 3]]], dtype=np.uint8)
    np.testing.assert_array_equal(make().apply(one), one)


def test_strong_boost_clips_to_uint8():
    edge = np.zeros((8, 8, 3), dtype=np.uint8)
    edge[:, 4:] = 255
    out = make(strength=50).apply(edge)
    assert out.dtype == np.uint8 and out.min() == 0 and out.max() == 255


@pytest.mark.parametrize(
    ("value", "message"),
    [(-0.5, "must be >= 0"), ("strong", "expects float"), ("nan", "finite"), ("inf", "finite")],
)
def test_invalid_strength_is_a_clear_error(value, message):
    with pytest.raises(ValueError, match="strength") as caught:
        make(strength=value)
    assert message in str(caught.value)


def test_strength_parses_from_a_spec():
    method = get_registry().create("method", "detail(strength=0.25)")
    assert method.params == {"strength": 0.25}


def test_records_the_pillow_version():
    assert make().library_versions() == {"pillow": PIL.__version__}
