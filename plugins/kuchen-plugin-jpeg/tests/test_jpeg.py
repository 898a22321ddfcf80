"""The ``jpeg`` codec: the codec contract, the real file, what each parameter does, clear errors."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

import kuchen_plugin_jpeg
from kuchen_core import get_registry, load_image
from kuchen_core.testing import CodecContract, mean_abs_error, sample_photo


@pytest.fixture(autouse=True)
def _jpeg_registered(kuchen_register):
    kuchen_register(kuchen_plugin_jpeg)


class TestJpeg(CodecContract):
    spec = "jpeg"


class TestJpegProgressiveFullChroma(CodecContract):
    spec = "jpeg(subsampling=4:4:4,progressive=true,optimize=false)"


def make(spec: str = "jpeg"):
    return get_registry().create("codec", spec)


def test_the_bytes_are_the_jpeg_file_pillow_writes_and_reads(tmp_path):
    photo = sample_photo()
    data = make().encode(photo, 75)
    buffer = io.BytesIO()
    Image.fromarray(photo).save(buffer, format="JPEG", quality=75, subsampling="4:2:0", optimize=True)
    assert data == buffer.getvalue()
    path = tmp_path / "photo.jpg"
    path.write_bytes(data)
    assert path.stat().st_size == len(data)
    np.testing.assert_array_equal(load_image(path), make().decode(data))


@pytest.mark.parametrize(("subsampling", "factors"), [("4:2:0", (2, 2)), ("4:2:2", (2, 1)), ("4:4:4", (1, 1))])
def test_subsampling_is_written_into_the_file(subsampling, factors):
    data = make(f"jpeg(subsampling={subsampling})").encode(sample_photo(), 80)
    with Image.open(io.BytesIO(data)) as img:
        luma_sampling = img.layer[0][1:3]
    assert luma_sampling == factors


def test_full_chroma_costs_bytes_and_keeps_colour_edges():
    photo = sample_photo()
    sizes = {s: len(make(f"jpeg(subsampling={s})").encode(photo, 80)) for s in ("4:2:0", "4:2:2", "4:4:4")}
    assert sizes["4:2:0"] < sizes["4:2:2"] < sizes["4:4:4"]
    stripes = np.zeros((32, 32, 3), np.uint8)
    stripes[:, ::2] = (255, 0, 0)
    stripes[:, 1::2] = (0, 0, 255)
    half, full = make("jpeg(subsampling=4:2:0)"), make("jpeg(subsampling=4:4:4)")
    assert mean_abs_error(full.decode(full.encode(stripes, 95)), stripes) < 10
    assert mean_abs_error(half.decode(half.encode(stripes, 95)), stripes) > 40


def test_optimize_and_progressive_change_the_bitstream_not_the_picture():
    photo = sample_photo()
    plain = make("jpeg(optimize=false)")
    optimized = make("jpeg(optimize=true)")
    progressive = make("jpeg(optimize=false,progressive=true)")
    streams = [codec.encode(photo, 70) for codec in (plain, optimized, progressive)]
    assert len(set(streams)) == 3
    assert len(streams[1]) < len(streams[0])
    assert b"\xff\xc2" in streams[2] and b"\xff\xc2" not in streams[0]  # SOF2 marks a progressive frame
    pictures = [plain.decode(data) for data in streams]
    np.testing.assert_array_equal(pictures[0], pictures[1])
    assert mean_abs_error(pictures[0], pictures[2]) < 0.5


def test_decode_returns_a_fresh_writable_array_and_encode_leaves_its_input_alone():
    photo = sample_photo()
    before = photo.copy()
    decoded = make().decode(make().encode(photo[:, ::-1], 90))
    np.testing.assert_array_equal(photo, before)
    assert decoded.flags.writeable and decoded.flags.c_contiguous
    assert mean_abs_error(decoded, photo[:, ::-1]) < mean_abs_error(decoded, photo) / 2


def test_decode_reads_grayscale_jpeg_from_other_tools_as_rgb():
    buffer = io.BytesIO()
    Image.new("L", (9, 5), 128).save(buffer, format="JPEG")
    decoded = make().decode(buffer.getvalue())
    assert decoded.shape == (5, 9, 3) and (decoded == 128).all()


def test_images_wider_than_libjpeg_allows_get_a_clear_error():
    with pytest.raises(ValueError, match="limited to 65500 pixels a side, got 65501x1"):
        make().encode(np.zeros((1, 65501, 3), np.uint8), 50)


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (b"", "not a JPEG file"),
        (b"\x89PNG\r\n\x1a\n" + bytes(64), "not a JPEG file"),
        ("half", "corrupt or truncated JPEG"),
        ("all-but-one", "corrupt or truncated JPEG"),
    ],
)
def test_decoding_bad_bytes_is_a_clear_value_error(bad, reason):
    data = make().encode(sample_photo(), 50)
    bad = {"half": data[: len(data) // 2], "all-but-one": data[:-1]}.get(bad, bad)
    with pytest.raises(ValueError, match=f"jpeg: cannot decode {len(bad)} bytes: {reason}"):
        make().decode(bad)


def test_decode_refuses_a_png():
    buffer = io.BytesIO()
    Image.fromarray(sample_photo()).save(buffer, format="PNG")
    with pytest.raises(ValueError, match="not a JPEG file"):
        make().decode(buffer.getvalue())


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("jpeg(subsampling=4:1:1)", "must be one of"),
        ("jpeg(optimize=maybe)", "expects true/false"),
        ("jpeg(quality=50)", "unknown parameter"),
    ],
)
def test_bad_parameters_are_refused_by_name(spec, message):
    with pytest.raises(ValueError, match=message):
        make(spec)


def test_encode_refuses_out_of_range_quality_and_non_images():
    with pytest.raises(ValueError, match=r"1\.\.100"):
        make().encode(sample_photo(), 0)
    with pytest.raises(TypeError, match="uint8"):
        make().encode(np.zeros((4, 4), np.uint8), 50)


def test_library_versions_name_pillow_and_libjpeg_turbo():
    import PIL
    from PIL import features

    versions = make().library_versions()
    assert versions["pillow"] == PIL.__version__
    if features.check_feature("libjpeg_turbo"):
        assert versions["libjpeg-turbo"] == features.version("libjpeg_turbo")
