"""The notebook API: ``compress``/``decode``/``apply``/``score``/``to_rgb``, and docs/python-api.md's
session executed as written."""

import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import kuchen_core
from kuchen_core import get_registry
from kuchen_core.testing import registered, sample_photo

from fake_plugins import FakeJpeg, GoodPlugin, Invert

REPO = Path(__file__).resolve().parents[1]
GUIDE = REPO / "docs" / "python-api.md"


@pytest.fixture
def fakes():
    with registered(GoodPlugin()) as registry:
        yield registry


def test_compress_takes_a_path_a_pil_image_or_an_array_and_agrees_with_itself(fakes, tmp_path):
    photo = sample_photo()
    Image.fromarray(photo).save(tmp_path / "p.png")
    results = [
        kuchen_core.compress(x, "fakejpeg", 40, metrics="mae")
        for x in (tmp_path / "p.png", str(tmp_path / "p.png"), Image.fromarray(photo), photo)
    ]
    assert len({r.data for r in results}) == 1
    result = results[0]
    assert result.codec == "fakejpeg" and result.quality == 40 and result.pre == () and result.extension == ".jpg"
    assert result.bpp == pytest.approx(8 * len(result.data) / (photo.shape[0] * photo.shape[1]))
    assert result.decoded.shape == photo.shape and set(result.scores) == {"mae"} and result.scores["mae"] > 0


def test_plugins_may_be_objects_and_chains_use_plus_or_comma(fakes):
    photo = sample_photo()
    by_text = kuchen_core.compress(photo, "fakejpeg", 60, pre="invert+invert(amount=0.5)", metrics=["mae"])
    by_object = kuchen_core.compress(
        photo, FakeJpeg(), 60, pre=[Invert(), "invert(amount=0.5)"], metrics=fakes.create("metric", "mae")
    )
    assert by_text.data == by_object.data and by_text.pre == ("invert(amount=1.0)", "invert(amount=0.5)")
    assert np.array_equal(kuchen_core.apply(photo, "invert,invert"), photo)


def test_repr_is_one_short_line(fakes):
    result = kuchen_core.compress(sample_photo(), "fakejpeg", 50, pre="invert", metrics="mae")
    text = repr(result)
    assert "\n" not in text and len(text) < 160
    assert re.fullmatch(
        r"<CompressResult fakejpeg q=50 pre=invert: 137x192, [\d,]+ bytes, [\d.]+ bpp, mae [\d.]+>", text
    ), text


def test_decode_from_result_bytes_and_path(fakes, tmp_path):
    result = kuchen_core.compress(sample_photo(), "fakejpeg", 50)
    path = result.save(tmp_path / "x.jpg")
    assert np.array_equal(kuchen_core.decode(result), result.decoded)
    assert np.array_equal(kuchen_core.decode(result.data, codec="fakejpeg"), result.decoded)
    assert np.array_equal(kuchen_core.decode(path), result.decoded)
    assert np.array_equal(kuchen_core.decode(path, post="invert"), 255 - result.decoded)
    with pytest.raises(FileExistsError):
        result.save(path)  # never overwrite
    with pytest.raises(ValueError, match="decode\\(data, codec='jpeg'\\)"):
        kuchen_core.decode(result.data)
    with pytest.raises(ValueError, match="no installed codec writes .xyz; pass codec="):
        kuchen_core.decode(tmp_path / "x.xyz")


def test_score_one_metric_is_a_float_several_a_dict(fakes):
    photo = sample_photo()
    assert kuchen_core.score(photo, photo, "mae") == 0.0
    assert kuchen_core.score(255 - photo, photo, ["mae"]) == {
        "mae": pytest.approx(np.abs(255 - 2 * photo.astype(int)).mean())
    }
    with pytest.raises(ValueError, match="mae compare with the original: pass reference="):
        kuchen_core.score(photo, None, "mae")


def test_bad_arrays_say_how_to_fix_them(fakes):
    photo = sample_photo()
    for bad in (photo / 255.0, photo[:, :, 0], photo.astype(np.uint16)):
        with pytest.raises(
            TypeError, match=r"expected a uint8 H×W×3 RGB array, got .*; convert it with kuchen_core\.to_rgb"
        ):
            kuchen_core.compress(bad, "fakejpeg", 50)
    with pytest.raises(TypeError, match="to_rgb"):
        kuchen_core.compress([[1, 2]], "fakejpeg", 50)
    with pytest.raises(ValueError, match="quality must be an integer in 1..100"):
        kuchen_core.compress(photo, "fakejpeg", 101)
    with pytest.raises(kuchen_core.UnknownPluginError, match="Did you mean: fakejpeg"):
        kuchen_core.compress(photo, "fakejpg", 50)


def test_to_rgb_converts_what_notebooks_hold():
    photo = sample_photo()
    gray = photo[:, :, 1]
    assert np.array_equal(kuchen_core.to_rgb(photo / 255.0), photo)
    assert np.array_equal(kuchen_core.to_rgb(photo.astype(np.float32)), photo)  # 0..255 floats
    assert np.array_equal(kuchen_core.to_rgb(gray), np.repeat(gray[:, :, None], 3, axis=2))
    assert np.array_equal(kuchen_core.to_rgb(gray[:, :, None]), kuchen_core.to_rgb(gray))
    assert np.array_equal(kuchen_core.to_rgb(photo.transpose(2, 0, 1)[None]), photo)  # 1×3×H×W
    assert np.array_equal(kuchen_core.to_rgb(photo.astype(np.uint16) * 257), photo)
    assert np.array_equal(kuchen_core.to_rgb(Image.fromarray(gray)), kuchen_core.to_rgb(gray))
    transparent = np.zeros((2, 2, 4), np.uint8)
    assert (kuchen_core.to_rgb(transparent) == 255).all()  # over white
    with pytest.raises(ValueError, match="shape"):
        kuchen_core.to_rgb(np.zeros((2, 2, 5)))
    with pytest.raises(ValueError, match="NaN"):
        kuchen_core.to_rgb(np.full((2, 2), np.nan))


def test_the_guide_session_runs_as_written(tmp_path, monkeypatch, capsys):
    needed = {"codec": ["jpeg"], "method": ["nlmeans", "detail"], "metric": ["psnr", "ssimulacra2"]}
    missing = [n for kind, names in needed.items() for n in names if n not in get_registry().names(kind)]
    if missing:
        pytest.skip(f"plugins not installed: {missing}")
    shutil.copytree(REPO / "samples", tmp_path / "samples")
    monkeypatch.chdir(tmp_path)
    blocks = re.findall(r"```python\n(.*?)```", GUIDE.read_text(), re.S)
    assert len(blocks) >= 5
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, str(GUIDE), "exec"), namespace)
    printed = capsys.readouterr().out
    shown = re.findall(r"# (<CompressResult .*>)", "".join(blocks))
    assert len(shown) == 2 and all(line in printed for line in shown)  # the guide shows the real output
    assert "convert it with kuchen_core.to_rgb(...)" in printed
    assert namespace["path"] == Path("photo-q50.jpg") and (tmp_path / "photo-q50.jpg").stat().st_size > 0
