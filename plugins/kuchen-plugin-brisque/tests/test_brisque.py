"""The ``brisque`` metric: OpenCV's exact scores, model-file lookup, refused degenerate images, and
the JPEG-ladder contract it does not pass on the 137×192 sample photo (see the README)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import kuchen_plugin_brisque
from kuchen_core import get_registry
from kuchen_core.testing import MetricContract, jpeg_ladder, sample_photo
from kuchen_plugin_brisque import model_files
from kuchen_plugin_brisque.model_files import DIR_ENV, MODEL_FILE, RANGE_FILE, find_model_files


def _installed() -> tuple[Path, Path] | None:
    try:
        return find_model_files()
    except FileNotFoundError:
        return None


FILES = _installed()
needs_model = pytest.mark.skipif(FILES is None, reason="BRISQUE model files missing (apt-get install opencv-data)")


@pytest.fixture(autouse=True)
def _brisque_registered(kuchen_register):
    kuchen_register(kuchen_plugin_brisque)


@needs_model
class TestBrisqueContract(MetricContract):
    spec = "brisque"


def make(spec: str = "brisque", **params):
    return get_registry().create("metric", spec, **params)


def opencv_score(image: np.ndarray) -> float:
    import cv2

    model, range_ = FILES
    return cv2.quality.QualityBRISQUE_compute(np.ascontiguousarray(image[..., ::-1]), str(model), str(range_))[0]


def noise(shape: tuple[int, int], seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, size=shape + (3,), dtype=np.uint8)


@needs_model
def test_scores_equal_opencvs_quality_brisque_compute_on_bgr():
    photo = sample_photo()
    images = [photo, *jpeg_ladder(photo), noise((40, 50)), noise((300, 9), seed=1)]
    metric = make()
    for image in images:
        assert metric.score(image) == opencv_score(image)


@needs_model
def test_feeds_opencv_bgr_so_grey_weighs_green_most():
    """Swapping R and B changes OpenCV's grey image, and so the score: the plugin must flip RGB→BGR."""
    import cv2

    photo = sample_photo()
    model, range_ = FILES
    unflipped = cv2.quality.QualityBRISQUE_compute(photo, str(model), str(range_))[0]
    assert make().score(photo) == opencv_score(photo) != unflipped


@needs_model
def test_heavy_compression_scores_worse_and_everything_is_in_range():
    scores = [make().score(image) for image in jpeg_ladder(sample_photo(), (5, 20, 40))]
    assert scores[0] > scores[1] > scores[2], scores
    assert all(0.0 <= s <= 100.0 for s in scores)
    assert make().score(noise((64, 64))) > 70  # white noise is nothing like a natural image


@needs_model
@pytest.mark.parametrize(
    "image",
    [
        np.full((64, 64, 3), 128, dtype=np.uint8),
        np.repeat(np.tile(np.arange(0, 256, 4, dtype=np.uint8), (64, 1))[..., None], 3, axis=2),
        np.repeat(np.tile(np.array([0, 255], dtype=np.uint8), (64, 32))[..., None], 3, axis=2),
    ],
    ids=["flat", "gradient", "stripes"],
)
def test_images_opencv_would_call_perfect_are_refused(image):
    assert opencv_score(image) == 0.0  # NaN features: OpenCV's "best possible" score
    with pytest.raises(ValueError, match="brisque is undefined for this image"):
        make().score(image)


@pytest.mark.parametrize("shape", [(1, 1), (7, 13), (4001, 3)])
def test_too_small_images_are_a_clear_error(shape):
    with pytest.raises(ValueError, match=r"at least 8×8 pixels"):
        make().score(noise(shape))


@needs_model
def test_ignores_a_reference_and_does_not_modify_its_input():
    photo = sample_photo()
    before = photo.copy()
    assert make().score(photo, reference=noise(photo.shape[:2])) == make().score(photo)
    np.testing.assert_array_equal(photo, before)


# --- model files -----------------------------------------------------------------------------------


@pytest.fixture
def copied_files(tmp_path):
    if FILES is None:
        pytest.skip("BRISQUE model files missing (apt-get install opencv-data)")
    folder = tmp_path / "brisque"
    folder.mkdir()
    for source in FILES:
        shutil.copy(source, folder / source.name)
    return folder


@pytest.fixture
def no_system_files(monkeypatch, tmp_path):
    monkeypatch.setattr(model_files, "SYSTEM_DIRS", (tmp_path / "nowhere",))
    monkeypatch.delenv(DIR_ENV, raising=False)


def test_missing_files_say_how_to_install(no_system_files):
    with pytest.raises(FileNotFoundError, match="apt-get install opencv-data") as error:
        make().score(noise((32, 32)))
    assert DIR_ENV in str(error.value) and "brisque(model=...,range=...)" in str(error.value)


def test_files_from_parameters(no_system_files, copied_files):
    photo = sample_photo()
    metric = make(f"brisque(model={copied_files / MODEL_FILE},range={copied_files / RANGE_FILE})")
    assert metric.model_files() == (copied_files / MODEL_FILE, copied_files / RANGE_FILE)
    assert metric.score(photo) == opencv_score(photo)


def test_files_from_the_environment(no_system_files, copied_files, monkeypatch):
    monkeypatch.setenv(DIR_ENV, str(copied_files))
    assert make().model_files() == (copied_files / MODEL_FILE, copied_files / RANGE_FILE)


def test_parameters_win_over_the_environment(copied_files, monkeypatch, tmp_path):
    monkeypatch.setenv(DIR_ENV, str(tmp_path / "elsewhere"))
    assert (
        make(model=str(copied_files / MODEL_FILE), range=str(copied_files / RANGE_FILE)).model_files()[0].parent
        == copied_files
    )


def test_wrong_paths_name_what_is_missing(copied_files, monkeypatch, tmp_path):
    with pytest.raises(FileNotFoundError, match="parameter 'model' does not exist: .*nope.yml"):
        make(model=str(tmp_path / "nope.yml")).model_files()
    monkeypatch.setenv(DIR_ENV, str(tmp_path))
    with pytest.raises(FileNotFoundError, match=f"{DIR_ENV}=.* has no {MODEL_FILE}"):
        make().model_files()


def test_files_that_are_not_brisque_models_are_clear_errors(copied_files, tmp_path):
    bogus = tmp_path / "bogus.yml"
    bogus.write_text("%YAML:1.0\n---\nnothing: 1\n")
    with pytest.raises(ValueError, match="not an OpenCV SVM model file"):
        make(model=str(bogus), range=str(copied_files / RANGE_FILE)).score(sample_photo())
    with pytest.raises(ValueError, match="not a BRISQUE range file"):
        make(model=str(copied_files / MODEL_FILE), range=str(bogus)).score(sample_photo())


def test_records_the_opencv_version():
    import cv2

    assert make().library_versions() == {"opencv": cv2.__version__}


def test_importing_the_plugin_does_not_import_opencv():
    code = "import sys, kuchen_plugin_brisque; print('cv2' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
