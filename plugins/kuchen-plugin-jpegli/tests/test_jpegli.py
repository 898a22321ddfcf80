"""The ``jpegli`` codec: the codec contract, the real file, no parameters, clear errors, lazy import."""

from __future__ import annotations

import io
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

import kuchen_plugin_jpegli
from kuchen_core import get_registry, load_image
from kuchen_core.testing import CodecContract, mean_abs_error, sample_photo


@pytest.fixture(autouse=True)
def _jpegli_registered(kuchen_register):
    kuchen_register(kuchen_plugin_jpegli)


class TestJpegli(CodecContract):
    spec = "jpegli"


def make(spec: str = "jpegli"):
    return get_registry().create("codec", spec)


def test_the_bytes_are_the_baseline_jpeg_pyjpegli_writes(tmp_path):
    import pyjpegli

    photo = sample_photo()
    data = make().encode(photo, 75)
    assert data == pyjpegli.encode(photo, photo.shape[1], photo.shape[0], quality=75)
    assert data[:3] == b"\xff\xd8\xff" and b"\xff\xc0" in data  # SOF0: baseline
    with Image.open(io.BytesIO(data)) as img:
        assert img.format == "JPEG" and img.layer[0][1:3] == (2, 2)  # 4:2:0
    path = tmp_path / "photo.jpg"
    path.write_bytes(data)
    assert path.stat().st_size == len(data)
    np.testing.assert_array_equal(load_image(path), make().decode(data))


def test_file_size_rises_with_quality_and_error_falls():
    photo, codec = sample_photo(), make()
    sizes, errors = [], []
    for quality in (10, 40, 70, 95):
        data = codec.encode(photo, quality)
        sizes.append(len(data))
        errors.append(mean_abs_error(codec.decode(data), photo))
    assert sizes == sorted(sizes) and len(set(sizes)) == 4
    assert errors == sorted(errors, reverse=True)


def test_encode_leaves_its_input_alone_and_takes_views():
    photo = sample_photo()
    before = photo.copy()
    mirrored = photo[:, ::-1]
    decoded = make().decode(make().encode(mirrored, 90))
    np.testing.assert_array_equal(photo, before)
    assert decoded.flags.writeable and decoded.flags.c_contiguous
    assert mean_abs_error(decoded, mirrored) < mean_abs_error(decoded, photo) / 2


def test_images_wider_than_jpeg_allows_get_a_clear_error():
    with pytest.raises(ValueError, match="limited to 65500 pixels a side, got 65501x1"):
        make().encode(np.zeros((1, 65501, 3), np.uint8), 50)


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (b"", "not a JPEG file"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 " + bytes(32), "not a JPEG file"),
        ("half", "corrupt or truncated JPEG"),
        ("all-but-one", "corrupt or truncated JPEG"),
    ],
)
def test_decoding_bad_bytes_is_a_clear_value_error(bad, reason):
    data = make().encode(sample_photo(), 50)
    bad = {"half": data[: len(data) // 2], "all-but-one": data[:-1]}.get(bad, bad)
    with pytest.raises(ValueError, match=f"jpegli: cannot decode {len(bad)} bytes: {reason}"):
        make().decode(bad)


@pytest.mark.parametrize(
    ("spec", "message"),
    [("jpegli(subsampling=4:4:4)", "unknown parameter"), ("jpegli:4:4:4", "takes no parameters")],
)
def test_parameters_are_refused_because_pyjpegli_has_none(spec, message):
    with pytest.raises(ValueError, match=message):
        make(spec)


def test_encode_refuses_quality_outside_1_to_100():
    for quality in (0, 101):
        with pytest.raises(ValueError, match=r"1\.\.100"):
            make().encode(sample_photo(), quality)


def test_library_versions_name_the_encoder_and_the_decoder():
    import PIL
    import pyjpegli

    versions = make().library_versions()
    assert versions["pyjpegli"] == pyjpegli.__version__ and versions["pillow"] == PIL.__version__
    assert "libjpeg-turbo" in versions or "libjpeg" in versions


def test_importing_the_plugin_does_not_import_pyjpegli():
    code = "import sys, kuchen_plugin_jpegli; assert 'pyjpegli' not in sys.modules, 'pyjpegli imported'"
    subprocess.run([sys.executable, "-c", code], check=True)
