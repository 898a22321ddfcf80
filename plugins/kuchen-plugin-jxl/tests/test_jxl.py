"""The ``jxl`` codec: the codec contract, the real file Pillow reads, lossless at 100, clear errors."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

import kuchen_plugin_jxl
from kuchen_core import get_registry
from kuchen_core.testing import CodecContract, sample_photo

pytest.importorskip("pillow_jxl")


@pytest.fixture(autouse=True)
def _jxl_registered(kuchen_register):
    kuchen_register(kuchen_plugin_jxl)


class TestJxl(CodecContract):
    spec = "jxl"


class TestJxlFast(CodecContract):
    spec = "jxl(effort=3)"


def make(spec: str = "jxl"):
    return get_registry().create("codec", spec)


def test_the_bytes_are_a_jpeg_xl_file_pillow_reads():
    photo = sample_photo()
    data = make().encode(photo, 60)
    assert data[:2] == b"\xff\x0a"  # a bare JPEG XL codestream
    with Image.open(io.BytesIO(data)) as img:
        assert img.format == "JXL" and img.size == (photo.shape[1], photo.shape[0])


def test_quality_100_is_lossless_and_lower_qualities_lose_more():
    photo = sample_photo()
    codec = make()
    assert np.array_equal(codec.decode(codec.encode(photo, 100)), photo)
    errors = [np.abs(codec.decode(codec.encode(photo, q)).astype(int) - photo).mean() for q in (20, 60, 95)]
    assert errors[0] > errors[1] > errors[2] > 0


def test_more_effort_gives_no_bigger_file():
    photo = sample_photo()
    assert len(make("jxl(effort=9)").encode(photo, 60)) <= len(make("jxl(effort=1)").encode(photo, 60))


def test_bad_bytes_say_what_is_wrong():
    codec = make()
    with pytest.raises(ValueError, match="not a JPEG XL file"):
        codec.decode(b"\x89PNG\r\n\x1a\n....")
    with pytest.raises(ValueError, match="corrupt or truncated JPEG XL"):
        codec.decode(codec.encode(sample_photo(), 60)[:40])
    with pytest.raises(ValueError, match=r"quality must be an integer in 0..100"):
        codec.encode(sample_photo(), 101)


def test_the_binding_version_is_recorded():
    versions = make().library_versions()
    assert versions["pillow-jxl-plugin"][0].isdigit() and versions["pillow"]
