"""The ``webp`` codec: the codec contract, the real file, the effort parameter, clear errors."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

import kuchen_plugin_webp
from kuchen_core import get_registry, load_image
from kuchen_core.testing import CodecContract, mean_abs_error, sample_photo


@pytest.fixture(autouse=True)
def _webp_registered(kuchen_register):
    kuchen_register(kuchen_plugin_webp)


class TestWebp(CodecContract):
    spec = "webp"


class TestWebpFastest(CodecContract):
    spec = "webp(method=0)"


def make(spec: str = "webp"):
    return get_registry().create("codec", spec)


def test_the_bytes_are_the_lossy_webp_file_pillow_writes_and_reads(tmp_path):
    photo = sample_photo()
    data = make().encode(photo, 75)
    buffer = io.BytesIO()
    Image.fromarray(photo).save(buffer, format="WEBP", quality=75, method=4)
    assert data == buffer.getvalue()
    assert data[:4] == b"RIFF" and data[8:16] == b"WEBPVP8 "  # simple lossy format, no alpha chunk
    path = tmp_path / "photo.webp"
    path.write_bytes(data)
    assert path.stat().st_size == len(data)
    np.testing.assert_array_equal(load_image(path), make().decode(data))


def test_more_effort_gives_smaller_files_of_the_same_quality():
    photo = sample_photo()
    results = {}
    for method in (0, 4, 6):
        codec = make(f"webp(method={method})")
        data = codec.encode(photo, 60)
        results[method] = (len(data), mean_abs_error(codec.decode(data), photo))
    assert len({size for size, _ in results.values()}) == 3
    assert results[6][0] < results[0][0]
    assert abs(results[6][1] - results[0][1]) < 1.0


def test_file_size_rises_with_quality_and_error_falls():
    photo, codec = sample_photo(), make()
    sizes, errors = [], []
    for quality in (5, 30, 60, 95):
        data = codec.encode(photo, quality)
        sizes.append(len(data))
        errors.append(mean_abs_error(codec.decode(data), photo))
    assert sizes == sorted(sizes) and len(set(sizes)) == 4
    assert errors == sorted(errors, reverse=True)


def test_decode_returns_a_fresh_writable_array_and_encode_leaves_its_input_alone():
    photo = sample_photo()
    before = photo.copy()
    decoded = make().decode(make().encode(photo[:, ::-1], 90))
    np.testing.assert_array_equal(photo, before)
    assert decoded.flags.writeable and decoded.flags.c_contiguous
    assert mean_abs_error(decoded, photo[:, ::-1]) < mean_abs_error(decoded, photo) / 2


def test_decode_reads_webp_with_alpha_from_other_tools_as_rgb():
    buffer = io.BytesIO()
    Image.new("RGBA", (9, 5), (10, 200, 30, 255)).save(buffer, format="WEBP", quality=95)
    decoded = make().decode(buffer.getvalue())
    assert decoded.shape == (5, 9, 3) and decoded.dtype == np.uint8


def test_images_wider_than_webp_allows_get_a_clear_error():
    with pytest.raises(ValueError, match="limited to 16383 pixels a side, got 16384x1"):
        make().encode(np.zeros((1, 16384, 3), np.uint8), 50)


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (b"", "not a WebP file"),
        (b"\xff\xd8\xff\xe0" + bytes(64), "not a WebP file"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "corrupt or truncated WebP"),
        ("half", "corrupt or truncated WebP"),
        ("all-but-one", "corrupt or truncated WebP"),
    ],
)
def test_decoding_bad_bytes_is_a_clear_value_error(bad, reason):
    data = make().encode(sample_photo(), 50)
    bad = {"half": data[: len(data) // 2], "all-but-one": data[:-1]}.get(bad, bad)
    with pytest.raises(ValueError, match=f"webp: cannot decode {len(bad)} bytes: {reason}"):
        make().decode(bad)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("webp(method=7)", "must be <= 6"),
        ("webp(method=-1)", "must be >= 0"),
        ("webp(method=slow)", "expects int"),
        ("webp(lossless=true)", "unknown parameter"),
    ],
)
def test_bad_parameters_are_refused_by_name(spec, message):
    with pytest.raises(ValueError, match=message):
        make(spec)


def test_method_is_the_positional_parameter():
    assert make("webp:6").params == {"method": 6}


def test_encode_refuses_out_of_range_quality():
    with pytest.raises(ValueError, match=r"0\.\.100"):
        make().encode(sample_photo(), 101)


def test_library_versions_name_pillow_and_libwebp():
    import PIL
    from PIL import features

    assert make().library_versions() == {"pillow": PIL.__version__, "libwebp": features.version("webp")}
