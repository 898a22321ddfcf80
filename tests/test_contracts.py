"""The contract kit passes good plugins and fails deliberately broken ones."""
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
    info = CodecInfo(name="backwards", description="declares the wrong direction", extension=".jpg",
                     quality_range=(1, 100), higher_quality_is_better=False)


class InPlace(Invert):
    def apply(self, image):
        image[...] = 0
        return image.copy()


class WrongDirection(MeanError):
    info = MetricInfo(name="mae-up", description="claims higher is better", needs_reference=True,
                      higher_is_better=True, range=(0, 255))


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
