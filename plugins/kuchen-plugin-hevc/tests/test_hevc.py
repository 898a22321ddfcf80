"""The ``hevc`` codec: the codec contract, odd sizes and thin strips, the real HEIF file,
chroma subsampling, determinism across core counts, clear errors and lazy importing.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys

import numpy as np
import pytest

import kuchen_plugin_hevc
from kuchen_core import get_registry
from kuchen_core.testing import CodecContract, mean_abs_error, sample_photo


@pytest.fixture(autouse=True)
def _hevc_registered(kuchen_register):
    kuchen_register(kuchen_plugin_hevc)


class TestHevc(CodecContract):
    spec = "hevc"


class TestHevcFullChroma(CodecContract):
    spec = "hevc(subsampling=4:4:4)"


def make(spec: str = "hevc"):
    return get_registry().create("codec", spec)


def smooth(height: int, width: int) -> np.ndarray:
    """A smooth colour image: any codec at a high quality should reproduce it closely."""
    y, x = np.mgrid[0:height, 0:width]
    red = 100 + (6 * x) % 150
    green = 128 + 60 * np.sin(y / 40)
    return np.stack([red, green, np.full_like(red, 90)], axis=-1).astype(np.uint8)


def open_heif(data: bytes):
    import pillow_heif

    return pillow_heif.open_heif(io.BytesIO(data))


@pytest.mark.parametrize("chroma", ["420", "422", "444"])  # pillow-heif's name for the subsampling
@pytest.mark.parametrize("size", [(1, 1), (7, 13), (4001, 3), (3, 4001)])
def test_odd_sizes_round_trip_to_the_same_picture(size, chroma):
    image = smooth(*size)
    codec = make(f"hevc(subsampling={chroma[0]}:{chroma[1]}:{chroma[2]})")
    data = codec.encode(image, 90)
    decoded = codec.decode(data)
    assert decoded.shape == image.shape and decoded.dtype == np.uint8 and decoded.flags.c_contiguous
    assert mean_abs_error(decoded, image) < 3.0
    assert open_heif(data).size == (size[1], size[0])  # the file itself records the real size


@pytest.mark.parametrize("size", [(1, 9000), (9000, 1)])
def test_strips_x265_refuses_are_stored_as_a_tile_grid_of_the_real_size(size):
    image = smooth(*size)
    codec = make()
    data = codec.encode(image, 80)
    heif = open_heif(data)
    assert heif.size == (size[1], size[0])
    assert heif.info["tiling"]["tile_width"] == 512
    decoded = codec.decode(data)
    assert decoded.shape == image.shape and mean_abs_error(decoded, image) < 4.0


def test_the_bytes_are_a_heic_file_other_tools_read(tmp_path):
    photo = sample_photo()
    data = make().encode(photo, 60)
    assert data[4:12] == b"ftypheic"
    path = tmp_path / "photo.heic"
    path.write_bytes(data)
    assert path.stat().st_size == len(data)
    import pillow_heif

    from_disk = pillow_heif.open_heif(path)
    assert from_disk.size == (photo.shape[1], photo.shape[0]) and "tiling" not in from_disk.info
    np.testing.assert_array_equal(np.asarray(from_disk), make().decode(data))


@pytest.mark.parametrize("chroma", ["420", "422", "444"])  # pillow-heif's name for the subsampling
def test_chroma_is_written_into_the_file(chroma):
    data = make(f"hevc(subsampling={chroma[0]}:{chroma[1]}:{chroma[2]})").encode(sample_photo(), 60)
    assert open_heif(data).info["chroma"] == int(chroma)


def test_full_chroma_costs_bytes_at_high_quality_and_keeps_colour_edges():
    """At low qualities x265 may make 444 files smaller than 420 (see README); at high ones it costs."""
    photo = sample_photo()
    sizes = {c: len(make(f"hevc(subsampling={c[0]}:{c[1]}:{c[2]})").encode(photo, 90)) for c in ("420", "444")}
    assert sizes["420"] < sizes["444"]
    stripes = np.zeros((32, 32, 3), np.uint8)
    stripes[:, ::2] = (255, 0, 0)
    stripes[:, 1::2] = (0, 0, 255)
    half, full = make("hevc(subsampling=4:2:0)"), make("hevc(subsampling=4:4:4)")
    assert mean_abs_error(full.decode(full.encode(stripes, 90)), stripes) < 10
    assert mean_abs_error(half.decode(half.encode(stripes, 90)), stripes) > 40


def test_file_size_rises_with_quality_and_error_falls():
    photo, codec = sample_photo(), make()
    sizes, errors = [], []
    for quality in (10, 40, 70, 95):
        data = codec.encode(photo, quality)
        sizes.append(len(data))
        errors.append(mean_abs_error(codec.decode(data), photo))
    assert sizes == sorted(sizes) and len(set(sizes)) == 4
    assert errors == sorted(errors, reverse=True)


@pytest.mark.skipif(
    not hasattr(os, "sched_setaffinity") or len(os.sched_getaffinity(0)) < 2, reason="needs two usable CPU cores"
)
def test_bytes_do_not_depend_on_how_many_cores_the_machine_has():
    """x265 sizes its thread pool from the cores it may use; its output must not change with it."""
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
    assert decoded.flags.writeable
    assert mean_abs_error(decoded, mirrored) < mean_abs_error(decoded, photo) / 2


@pytest.mark.parametrize(("mode", "pixel"), [("RGBA", (10, 200, 30, 255)), ("L", (128,))])
def test_decode_reads_heif_with_alpha_or_gray_from_other_tools_as_rgb(mode, pixel):
    import pillow_heif

    raw = bytes(pixel) * (9 * 6)
    buffer = io.BytesIO()
    pillow_heif.from_bytes(mode, (9, 6), raw).save(buffer, quality=95)
    decoded = make().decode(buffer.getvalue())
    assert decoded.shape == (6, 9, 3) and decoded.dtype == np.uint8


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (b"", "not a HEIF file"),
        (b"\xff\xd8\xff\xe0" + bytes(64), "not a HEIF file"),
        (b"\x00\x00\x00\x18ftypavif" + bytes(40), "not an HEVC HEIF file"),
        ("half", "corrupt or truncated HEIF"),
        ("all-but-one", "corrupt or truncated HEIF"),
    ],
)
def test_decoding_bad_bytes_is_a_clear_value_error(bad, reason):
    data = make().encode(sample_photo(), 50)
    bad = {"half": data[: len(data) // 2], "all-but-one": data[:-1]}.get(bad, bad)
    with pytest.raises(ValueError, match=f"hevc: cannot decode {len(bad)} bytes: {reason}"):
        make().decode(bad)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("hevc(subsampling=4:1:1)", "must be one of"),
        ("hevc(subsampling=420)", "must be one of"),
        ("hevc(preset=slow)", "unknown parameter"),
    ],
)
def test_bad_parameters_are_refused_by_name(spec, message):
    with pytest.raises(ValueError, match=message):
        make(spec)


def test_encode_refuses_quality_outside_0_to_100():
    for quality in (-1, 101):
        with pytest.raises(ValueError, match=r"0\.\.100"):
            make().encode(sample_photo(), quality)


def test_library_versions_name_the_wrapper_libheif_and_both_hevc_libraries():
    import pillow_heif

    versions = make().library_versions()
    assert versions["pillow-heif"] == pillow_heif.__version__
    assert versions["libheif"] == pillow_heif.libheif_info()["libheif"]
    assert versions["x265"][0].isdigit() and versions["libde265"][0].isdigit()


def test_importing_the_plugin_does_not_import_pillow_heif():
    code = "import sys, kuchen_plugin_hevc; assert 'pillow_heif' not in sys.modules, 'pillow_heif imported'"
    subprocess.run([sys.executable, "-c", code], check=True)
