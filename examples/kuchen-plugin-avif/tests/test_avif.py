"""The ``avif`` codec beyond its contract (tests/test_contract.py): odd sizes, the real file, parameters
and clear errors."""

from __future__ import annotations

import io
import os

import numpy as np
import pytest
from PIL import Image

import kuchen_plugin_avif
from kuchen_core import get_registry, load_image
from kuchen_core.testing import mean_abs_error, sample_photo


@pytest.fixture(autouse=True)
def _avif_registered(kuchen_register):
    kuchen_register(kuchen_plugin_avif)


def make(spec: str = "avif"):
    return get_registry().create("codec", spec)


def smooth(height: int, width: int) -> np.ndarray:
    """A smooth colour image (small steps between neighbours): any codec should reproduce it closely."""
    y, x = np.mgrid[0:height, 0:width]
    red = np.minimum(100 + 6 * x, 255)
    green = 128 + 60 * np.sin(y / 40)
    return np.stack([red, green, np.full_like(red, 90)], axis=-1).astype(np.uint8)


@pytest.mark.parametrize("subsampling", ["4:2:0", "4:4:4"])
@pytest.mark.parametrize("size", [(1, 1), (7, 13), (4001, 3)])
def test_odd_sizes_round_trip_to_the_same_picture(size, subsampling):
    image = smooth(*size)
    codec = make(f"avif(subsampling={subsampling})")
    decoded = codec.decode(codec.encode(image, 90))
    assert decoded.shape == image.shape and decoded.dtype == np.uint8 and decoded.flags.c_contiguous
    assert mean_abs_error(decoded, image) < 3.0


def test_the_bytes_are_an_avif_file_other_tools_read(tmp_path):
    photo = sample_photo()
    data = make().encode(photo, 60)
    assert data[4:12] == b"ftypavif"
    path = tmp_path / "photo.avif"
    path.write_bytes(data)
    with Image.open(path) as img:
        assert img.format == "AVIF" and img.size == (photo.shape[1], photo.shape[0])
    np.testing.assert_array_equal(load_image(path), make().decode(data))


def test_file_size_rises_with_quality_and_error_falls():
    photo = sample_photo()
    codec = make()
    sizes, errors = [], []
    for quality in (10, 40, 70, 95):
        data = codec.encode(photo, quality)
        sizes.append(len(data))
        errors.append(mean_abs_error(codec.decode(data), photo))
    assert sizes == sorted(sizes) and len(set(sizes)) == 4
    assert errors == sorted(errors, reverse=True)


def test_full_chroma_keeps_one_pixel_colour_stripes_that_420_blurs():
    stripes = np.zeros((32, 32, 3), np.uint8)
    stripes[:, ::2] = (255, 0, 0)
    stripes[:, 1::2] = (0, 0, 255)
    half = make("avif(subsampling=4:2:0)")
    full = make("avif(subsampling=4:4:4)")
    error_420 = mean_abs_error(half.decode(half.encode(stripes, 90)), stripes)
    error_444 = mean_abs_error(full.decode(full.encode(stripes, 90)), stripes)
    assert error_444 < 10 < 40 < error_420


def test_speed_changes_the_bitstream_not_the_picture():
    photo = sample_photo()
    fast, slow = make("avif(speed=10)"), make("avif(speed=8)")
    fast_data, slow_data = fast.encode(photo, 50), slow.encode(photo, 50)
    assert fast_data != slow_data
    assert abs(mean_abs_error(fast.decode(fast_data), photo) - mean_abs_error(slow.decode(slow_data), photo)) < 1.0


@pytest.mark.skipif(
    not hasattr(os, "sched_setaffinity") or len(os.sched_getaffinity(0)) < 2, reason="needs two usable CPU cores"
)
def test_bytes_do_not_depend_on_how_many_cores_the_machine_has():
    """libaom writes different bytes multi-threaded; Pillow would use every core the process may run on."""
    photo, codec = sample_photo(), make()
    cores = os.sched_getaffinity(0)
    on_all_cores = codec.encode(photo, 50)
    os.sched_setaffinity(0, {min(cores)})
    try:
        on_one_core = codec.encode(photo, 50)
    finally:
        os.sched_setaffinity(0, cores)
    assert on_one_core == on_all_cores


def test_encode_leaves_its_input_alone_and_takes_views():
    photo = sample_photo()
    before = photo.copy()
    mirrored = photo[:, ::-1]
    decoded = make().decode(make().encode(mirrored, 80))
    np.testing.assert_array_equal(photo, before)
    assert decoded.shape == mirrored.shape and mean_abs_error(decoded, mirrored) < mean_abs_error(decoded, photo)


def test_decode_reads_grayscale_and_alpha_avif_from_other_tools_as_rgb():
    for mode, fill in (("L", 128), ("RGBA", (10, 200, 30, 255))):
        buffer = io.BytesIO()
        Image.new(mode, (9, 5), fill).save(buffer, format="AVIF", quality=95)
        decoded = make().decode(buffer.getvalue())
        assert decoded.shape == (5, 9, 3) and decoded.dtype == np.uint8


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (b"", "not an AVIF file"),
        (b"\x89PNG\r\n\x1a\n" + bytes(64), "not an AVIF file"),
        ("half", "corrupt or truncated AVIF"),
        ("all-but-one", "corrupt or truncated AVIF"),
    ],
)
def test_decoding_bad_bytes_is_a_clear_value_error(bad, reason):
    data = make().encode(sample_photo(), 50)
    bad = {"half": data[: len(data) // 2], "all-but-one": data[:-1]}.get(bad, bad)
    with pytest.raises(ValueError, match=f"avif: cannot decode {len(bad)} bytes: {reason}"):
        make().decode(bad)


def test_decode_rejects_non_bytes():
    with pytest.raises(TypeError, match="decode expects bytes"):
        make().decode("photo.avif")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("avif(speed=11)", "must be <= 10"),
        ("avif(speed=-1)", "must be >= 0"),
        ("avif(speed=fast)", "expects int"),
        ("avif(subsampling=4:2:2)", "must be one of"),
        ("avif(effort=3)", "unknown parameter"),
    ],
)
def test_bad_parameters_are_refused_by_name(spec, message):
    with pytest.raises(ValueError, match=message):
        make(spec)


def test_spec_round_trips_and_speed_is_the_positional_parameter():
    codec = make("avif:3")
    assert codec.params == {"speed": 3, "subsampling": "4:2:0"}
    assert make(codec.spec).params == codec.params
    assert codec.spec == "avif(speed=3,subsampling=4:2:0)"


def test_encode_refuses_quality_outside_0_to_100_and_non_images():
    codec = make()
    with pytest.raises(ValueError, match=r"0\.\.100"):
        codec.encode(sample_photo(), 101)
    with pytest.raises(TypeError, match="uint8"):
        codec.encode(np.zeros((4, 4), np.uint8), 50)


def test_library_versions_name_pillow_libavif_and_the_av1_encoder():
    from PIL import features

    import PIL

    versions = make().library_versions()
    assert versions["pillow"] == PIL.__version__
    assert versions["libavif"] == features.version("avif")
    assert any(name in versions for name in ("aom", "rav1e", "svt"))
