"""The ``guetzli`` method: contract, MCU-aligned tiling that bounds memory, small images, errors.

Guetzli takes ~15 s per 512×512 image, so the fast tests use small images and the full
contract (a 137×192 photo three times, plus a 4001×3 strip) is marked slow.
"""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from PIL import Image

import kuchen_plugin_guetzli
from kuchen_core import get_registry
from kuchen_core.testing import MethodContract, check_method, psnr, sample_photo
from kuchen_plugin_guetzli.method import BUTTERAUGLI_MIN_SIDE, GuetzliMethod
from kuchen_plugin_guetzli.tiling import MCU, spans, tile_slices


@pytest.fixture(autouse=True)
def _guetzli_registered(kuchen_register):
    kuchen_register(kuchen_plugin_guetzli)


@pytest.mark.slow
class TestGuetzliContract(MethodContract):
    spec = "guetzli"


def make(**params):
    return get_registry().create("method", "guetzli", **params)


def guetzli_round_trip(image: np.ndarray, quality: int = 90) -> np.ndarray:
    """One direct, untiled, unpadded pyguetzli encode and Pillow decode: the reference."""
    import pyguetzli

    data = pyguetzli.process_rgb_bytes(image.tobytes(), image.shape[1], image.shape[0], quality=quality)
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


@pytest.fixture(scope="module")
def crop() -> np.ndarray:
    """A 64×96 piece of the sample photo: 2×3 tiles of 32, or one tile of 512."""
    return np.ascontiguousarray(sample_photo()[40:104, 20:116])


@pytest.fixture(scope="module")
def whole(crop) -> np.ndarray:
    """The crop through the default method: one tile, since it is smaller than 512."""
    return GuetzliMethod().apply(crop)


def test_method_contract_on_small_sizes():
    check_method(make(), sizes=((1, 1), (7, 13)))


def test_one_tile_is_a_plain_guetzli_round_trip(crop, whole):
    np.testing.assert_array_equal(whole, guetzli_round_trip(crop))
    assert 0 < np.abs(whole.astype(int) - crop).mean() < 10  # lossy, and close


def test_each_tile_equals_a_single_tile_run_on_its_own_pixels(crop):
    """Tiles are encoded independently on the unshifted block grid: bit-exact per tile."""
    tiled = make(tile=32).apply(crop)
    slices = list(tile_slices(*crop.shape[:2], 32, BUTTERAUGLI_MIN_SIDE))
    assert len(slices) == 6
    for rows, cols in slices:
        np.testing.assert_array_equal(tiled[rows, cols], make().apply(np.ascontiguousarray(crop[rows, cols])))


def test_tiled_and_whole_image_runs_differ_only_in_guetzlis_per_image_choices(crop, whole):
    """Guetzli picks its quantisation and zeroes coefficients by a Butteraugli search over the
    whole image it is given, so a tiled run is not bit-identical to a whole-image run: pixels
    differ a little everywhere (not only at tile seams), but both are about as close to the
    original, and closer to each other than to it."""
    tiled = make(tile=32).apply(crop)
    assert not np.array_equal(tiled, whole)
    assert abs(psnr(tiled, crop) - psnr(whole, crop)) < 1.0
    assert psnr(tiled, whole) > psnr(whole, crop)


def test_images_smaller_than_butteraugli_minimum_are_padded_into_a_real_guetzli_run():
    """Unpadded, Guetzli returns a near-lossless JPEG for anything under 32×32 (it skips its
    search); edge-padded, the small image gets the same perceptual treatment as a large one."""
    small = np.ascontiguousarray(sample_photo()[50:70, 40:53])
    ours = make().apply(small)
    padded = np.pad(small, ((0, 12), (0, 19), (0, 0)), mode="edge")
    np.testing.assert_array_equal(ours, guetzli_round_trip(padded)[:20, :13])
    assert psnr(guetzli_round_trip(small), small) > 45 > psnr(ours, small)


def test_guetzli_only_ever_sees_bounded_tiles_of_at_least_32_pixels(monkeypatch):
    """What bounds memory: no Guetzli call gets more than about tile×tile pixels, whatever the image."""
    import pyguetzli

    calls = []
    real = pyguetzli.process_rgb_bytes

    def spy(data, width, height, quality):
        calls.append((height, width))
        return real(data, width, height, quality=quality)

    monkeypatch.setattr(pyguetzli, "process_rgb_bytes", spy)
    image = np.random.default_rng(0).integers(0, 256, size=(40, 100, 3), dtype=np.uint8)
    assert make(tile=32).apply(image).shape == image.shape
    # rows: 0-40 (an 8-row remainder joins the first tile); columns: 0-32, 32-64, 64-100
    assert calls == [(40, 32), (40, 32), (40, 36)]
    calls.clear()
    make().apply(image[:7, :13])
    assert calls == [(32, 32)]


def test_spans_stay_on_the_mcu_grid_and_never_leave_a_sliver():
    for length in (1, 31, 32, 33, 63, 64, 100, 513, 4001):
        for tile in (32, 48, 512):
            parts = spans(length, tile, BUTTERAUGLI_MIN_SIDE)
            assert parts[0][0] == 0 and parts[-1][1] == length
            assert all(a[1] == b[0] for a, b in zip(parts, parts[1:]))
            assert all(start % MCU == 0 for start, _ in parts)
            assert all(stop - start >= BUTTERAUGLI_MIN_SIDE for start, stop in parts) or len(parts) == 1
            assert all(stop - start < tile + BUTTERAUGLI_MIN_SIDE for start, stop in parts)


@pytest.mark.parametrize("quality", [83, 50, 0])
def test_quality_below_guetzlis_minimum_is_a_clear_error(quality):
    with pytest.raises(ValueError, match=f"parameter 'quality' must be >= 84, got {quality}"):
        make(quality=quality)


@pytest.mark.parametrize(("tile", "message"), [(500, "multiple of 16.*got 500; use 496 or 512"), (16, ">= 32")])
def test_a_bad_tile_is_a_clear_error(tile, message):
    with pytest.raises(ValueError, match=message):
        make(tile=tile)


def test_higher_quality_stays_closer_to_the_original(crop):
    piece = np.ascontiguousarray(crop[:32, :48])
    assert psnr(make(quality=100).apply(piece), piece) > psnr(make(quality=84).apply(piece), piece)


def test_records_library_versions():
    versions = make().library_versions()
    assert versions["pyguetzli"] and versions["pillow"]


def test_importing_the_plugin_does_not_import_pyguetzli():
    code = "import sys, kuchen_plugin_guetzli; print('pyguetzli' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


@pytest.mark.slow
def test_peak_memory_is_bounded_by_the_tile_not_the_image():
    """A 1024×1024 image in 256-pixel tiles grows peak memory by ~16 MB; whole, by ~240 MB."""
    script = textwrap.dedent(
        """
        import resource
        import numpy as np
        import kuchen_plugin_guetzli
        from kuchen_core.testing import registered, sample_photo
        from PIL import Image
        image = np.asarray(Image.fromarray(sample_photo()).resize((1024, 1024)))
        with registered(kuchen_plugin_guetzli) as registry:
            method = registry.create("method", "guetzli(tile=256)")
            method.apply(image[:32, :32])
            before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            method.apply(image)
            print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024)
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert float(result.stdout) < 100, f"peak memory grew by {result.stdout.strip()} MB"
