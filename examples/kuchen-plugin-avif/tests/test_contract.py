"""The ``avif`` codec keeps the rules every Kuchen codec keeps, at both chroma subsamplings."""

import pytest

import kuchen_plugin_avif
from kuchen_core.testing import CodecContract


@pytest.fixture(autouse=True)
def _avif_registered(kuchen_register):
    kuchen_register(kuchen_plugin_avif)


class TestAvif(CodecContract):
    spec = "avif"


class TestAvifFullChroma(CodecContract):
    spec = "avif(speed=9,subsampling=4:4:4)"
