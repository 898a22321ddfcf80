"""The contract kit passes good plugins and fails deliberately broken ones."""

import numpy as np
import pytest

from kuchen_core import CodecInfo, Method, MethodInfo, MetricInfo
from kuchen_core.testing import CodecContract, MethodContract, MetricContract, check_codec, check_method, check_metric

from fake_plugins import FakeJpeg, GoodPlugin, Invert, MeanError


@pytest.fixture(autouse=True)
def _plugins(kuchen_register):
    kuchen_register(GoodPlugin())


class TestFakeJpegContract(CodecContract):
    spec = "fakejpeg"


class TestInvertContract(MethodContract):
    spec = "invert(amount=0.5)"


class TestMaeContract(MetricContract):
    spec = "mae"


class LosesSize(FakeJpeg):
    def decode(self, data):
        return super().decode(data)[:, :-1]


class Nondeterministic(FakeJpeg):
    calls = 0

    def encode(self, image, quality):
        type(self).calls += 1
        return super().encode(image, quality) + bytes(type(self).calls)


class Backwards(FakeJpeg):
    info = CodecInfo(
        name="backwards",
        description="declares the wrong direction",
        extension=".jpg",
        quality_range=(1, 100),
        higher_quality_is_better=False,
    )


class InPlace(Invert):
    def apply(self, image):
        image[...] = 0
        return image.copy()


class WrongDirection(MeanError):
    info = MetricInfo(
        name="mae-up",
        description="claims higher is better",
        needs_reference=True,
        higher_is_better=True,
        range=(0, 255),
    )


class FloatOut(Method):
    info = MethodInfo(name="floaty", description="returns floats")

    def apply(self, image):
        return image / 255.0


@pytest.mark.parametrize(
    "check, plugin, message",
    [
        (check_codec, LosesSize(), "decode at q=1 returned shape"),
        (check_codec, Nondeterministic(), "not deterministic"),
        (check_codec, Backwards(), "must give a larger file"),
        (check_method, InPlace(), "modified its input in place"),
        (check_method, FloatOut(), "dtype float64"),
        (check_metric, WrongDirection(), "not monotone"),
    ],
)
def test_contracts_fail_on_broken_plugins(check, plugin, message):
    with pytest.raises(AssertionError, match=message):
        check(plugin)


def test_codec_contract_requires_library_versions():
    class NoVersions(FakeJpeg):
        def library_versions(self):
            return {}

    with pytest.raises(AssertionError, match="library versions"):
        check_codec(NoVersions())


class Blockiness(MeanError):
    """A no-reference metric: how much larger grey steps are across 8-pixel block edges than inside blocks."""

    info = MetricInfo(
        name="blockiness", description="test", higher_is_better=False, range=(0.0, 255.0), needs_reference=False
    )

    def score(self, image, reference=None):
        steps = np.abs(np.diff(image.astype(float).mean(axis=2), axis=1))
        return max(float(steps[:, 7::8].mean() - np.delete(steps, np.s_[7::8], axis=1).mean()), 0.0)


class Colours(Blockiness):
    """The share of distinct colours: falls with coarse quantisation, but q95 of a small photo has fewer than q70."""

    info = MetricInfo(
        name="colours", description="test", higher_is_better=True, range=(0.0, 1.0), needs_reference=False
    )

    def score(self, image, reference=None):
        return len(np.unique(image.reshape(-1, 3), axis=0)) / (image.shape[0] * image.shape[1])


def test_a_no_reference_metric_is_checked_on_average_over_twelve_photos(tmp_path, monkeypatch):
    """It need not rank every photo's ladder, only the average; without 12 photos the check skips, saying why."""
    from kuchen_core.testing import contracts

    photos = [contracts.sample_photo()[:, ::-1], contracts.sample_photo()] * 6
    for i, photo in enumerate(photos):
        contracts.Image.fromarray(photo).save(tmp_path / f"{i:02}.png")
    monkeypatch.setenv(contracts.PHOTOS_ENV, str(tmp_path))
    assert len(contracts.real_photos(contracts.NO_REFERENCE_PHOTOS)) == 12
    check_metric(Blockiness())
    with pytest.raises(AssertionError, match=r"colours is not monotone on .* on average over 12 photos"):
        check_metric(Colours())
    monkeypatch.setenv(contracts.PHOTOS_ENV, str(tmp_path / "none"))
    with pytest.raises(pytest.skip.Exception, match="needs 12 real photos, found 1"):
        check_metric(Blockiness())
