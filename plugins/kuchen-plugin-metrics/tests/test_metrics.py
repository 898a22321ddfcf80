"""The full-reference metrics: contract on a JPEG ladder, known SSIM properties, hand-computed cases."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest

import kuchen_plugin_metrics
from kuchen_core import get_registry
from kuchen_core.testing import MetricContract, jpeg_ladder, sample_photo
from kuchen_plugin_metrics.butteraugli import INSTALL_HINT, ButteraugliMetric
from kuchen_plugin_metrics.color import luma
from kuchen_plugin_metrics.ssim import C1, MS_SSIM_WEIGHTS, gaussian_window, ms_ssim, scales_that_fit, ssim
from kuchen_plugin_metrics.ssimulacra import _png

needs_butteraugli = pytest.mark.skipif(
    not ButteraugliMetric.available(), reason=f"butteraugli_main not installed ({INSTALL_HINT})"
)


@pytest.fixture(autouse=True)
def _metrics_registered(kuchen_register):
    kuchen_register(kuchen_plugin_metrics)


class TestPsnr(MetricContract):
    spec = "psnr"


class TestPsnrY(MetricContract):
    spec = "psnr-y"


class TestPsnrHvsM(MetricContract):
    spec = "psnr-hvs-m"


class TestSsim(MetricContract):
    spec = "ssim"


class TestMsSsim(MetricContract):
    spec = "ms-ssim"


class TestSsimulacra2(MetricContract):
    spec = "ssimulacra2"


@needs_butteraugli
class TestButteraugli(MetricContract):
    spec = "butteraugli"


@needs_butteraugli
class TestButteraugliPnorm(MetricContract):
    spec = "butteraugli(norm=pnorm,p=3)"


def make(spec: str, **params):
    return get_registry().create("metric", spec, **params)


def gray(value: float, size: int) -> np.ndarray:
    return np.full((size, size, 3), value, dtype=np.uint8)


def noisy(image: np.ndarray, sigma: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.clip(np.rint(image + rng.normal(0, sigma, image.shape)), 0, 255).astype(np.uint8)


# --- PSNR -------------------------------------------------------------------------------------


def test_psnr_by_hand():
    """One channel of one pixel off by 10 in a 2×2 image: MSE = 100/12."""
    ref = gray(100, 2)
    dist = ref.copy()
    dist[0, 0, 1] = 110
    assert make("psnr").score(dist, ref) == pytest.approx(10 * math.log10(255**2 * 12 / 100))
    # luma sees the green error through its 0.587 weight, spread over 4 pixels
    assert make("psnr-y").score(dist, ref) == pytest.approx(10 * math.log10(255**2 * 4 / 5.87**2))


@pytest.mark.parametrize("name", ["psnr", "psnr-y"])
def test_psnr_caps_identical_and_nearly_identical_images_at_100_db(name):
    photo = sample_photo()
    assert make(name).score(photo, photo) == 100.0
    big = np.zeros((2000, 2000, 3), dtype=np.uint8)
    one_off = big.copy()
    one_off[0, 0] = 1  # true PSNR ≈ 114 dB
    assert make(name).score(one_off, big) == 100.0


def test_psnr_worst_case_is_zero():
    assert make("psnr").score(gray(0, 4), gray(255, 4)) == pytest.approx(0.0)


# --- PSNR-HVS-M -------------------------------------------------------------------------------


def test_psnr_hvs_m_of_a_flat_offset_by_hand():
    """Flat images carry no masking; an offset of 10 moves only the DC coefficient, by 8·10, weighted
    by CSF[0, 0]: S = (80 · 1.608443)² / 64 per coefficient."""
    expected = 10 * math.log10(255**2 / (10 * 1.608443) ** 2)
    assert make("psnr-hvs-m").score(gray(110, 16), gray(100, 16)) == pytest.approx(expected, rel=1e-12)
    assert make("psnr-hvs-m").score(gray(100, 16), gray(100, 16)) == 100.0


def test_psnr_hvs_m_masks_an_error_in_texture_that_shows_on_a_flat_patch():
    """The same small high-frequency pattern is hidden by a busy block, not by a flat one."""
    rng = np.random.default_rng(3)
    busy = rng.integers(40, 215, size=(32, 32, 3), dtype=np.uint8)
    flat = gray(128, 32)
    pattern = np.indices((32, 32)).sum(0) % 2 * 4 - 2  # ±2 checkerboard: the highest DCT frequency

    def shifted(image: np.ndarray) -> np.ndarray:
        return (image.astype(int) + pattern[..., None]).clip(0, 255).astype(np.uint8)

    assert make("psnr-hvs-m").score(shifted(busy), busy) == 100.0  # wholly below the busy blocks' thresholds
    assert make("psnr-hvs-m").score(shifted(flat), flat) < 60
    assert make("psnr").score(shifted(busy), busy) < 50  # plain PSNR sees it everywhere


def test_psnr_hvs_m_skips_a_partial_edge_block_as_the_reference_code():
    photo = sample_photo()[:19, :21]
    changed = photo.copy()
    changed[16:, :] = 255 - changed[16:, :]  # rows 16-18: the partial block row
    changed[:, 16:] = 0
    assert make("psnr-hvs-m").score(changed, photo) == 100.0
    with pytest.raises(ValueError, match=r"at least 8×8 pixels, got 7×9"):
        make("psnr-hvs-m").score(photo[:9, :7], photo[:9, :7])


def test_psnr_hvs_m_loss_form_follows_the_metric_down_a_jpeg_ladder():
    """Its masks are the reference's alone, never larger than the metric's (the larger of both), so it
    counts at least as much error: within a fraction of a dB below the metric."""
    import torch

    from kuchen_plugin_metrics.losses import psnr_hvs_m_loss

    photo = sample_photo()

    def batch(image: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(image.copy()).permute(2, 0, 1)[None].double() / 255.0

    for decoded in jpeg_ladder(photo, (20, 50, 90)):
        from_loss = -10 * math.log10(float(psnr_hvs_m_loss(batch(decoded), batch(photo))))
        metric = make("psnr-hvs-m").score(decoded, photo)
        assert metric - 0.3 < from_loss <= metric + 1e-9


# --- SSIM / MS-SSIM ---------------------------------------------------------------------------


def test_ssim_of_flat_images_by_hand():
    """Zero variance: contrast-structure is C2/C2 = 1, SSIM is the luminance term alone."""
    expected = (2 * 100 * 110 + C1) / (100**2 + 110**2 + C1)
    assert expected == pytest.approx(1 - 100 / 22106.5025, abs=1e-12)  # = 0.99547644…
    assert make("ssim").score(gray(110, 11), gray(100, 11)) == pytest.approx(expected, rel=1e-12)
    assert make("ssim").score(gray(110, 40), gray(100, 40)) == pytest.approx(expected, rel=1e-12)


def test_ssim_of_a_brightness_shift_is_the_luminance_term():
    """y = x + c leaves every local variance and covariance equal: cs = 1 exactly."""
    rng = np.random.default_rng(3)
    x = rng.uniform(50, 150, size=(11, 11))
    y = x + 20
    weights = np.outer(gaussian_window(), gaussian_window())
    mu = float((weights * x).sum())
    expected = (2 * mu * (mu + 20) + C1) / (mu**2 + (mu + 20) ** 2 + C1)
    assert ssim(y, x) == pytest.approx(expected, rel=1e-12)


def test_ssim_window_is_matlabs_fspecial():
    window = np.outer(gaussian_window(), gaussian_window())
    y, x = np.mgrid[-5:6, -5:6]
    fspecial = np.exp(-(x**2 + y**2) / (2 * 1.5**2))
    np.testing.assert_allclose(window, fspecial / fspecial.sum(), rtol=1e-12)


@pytest.mark.parametrize("name", ["ssim", "ms-ssim"])
def test_identical_images_score_exactly_one(name):
    photo = sample_photo()
    assert make(name).score(photo, photo) == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("name", ["ssim", "ms-ssim"])
def test_symmetric(name):
    photo = sample_photo()
    other = jpeg_ladder(photo, (30,))[0]
    metric = make(name)
    assert metric.score(other, photo) == pytest.approx(metric.score(photo, other), rel=1e-12)


@pytest.mark.parametrize("name", ["ssim", "ms-ssim"])
def test_decreases_with_noise(name):
    photo = sample_photo()
    scores = [make(name).score(noisy(photo, sigma), photo) for sigma in (2, 5, 10, 20, 40)]
    assert all(a > b for a, b in zip(scores, scores[1:])), scores
    assert scores[0] < 1.0


def test_ssim_inverted_structure_is_negative():
    photo = sample_photo()
    assert make("ssim").score(255 - photo, photo) < 0


def test_ms_ssim_of_flat_images_by_hand_with_five_scales():
    """176 px halves to 88, 44, 22, 11: five scales; cs = 1 on each, the last adds luminance."""
    assert scales_that_fit(176, 176) == 5
    lum = (2 * 100 * 110 + C1) / (100**2 + 110**2 + C1)
    expected = lum ** (MS_SSIM_WEIGHTS[4] / sum(MS_SSIM_WEIGHTS))
    assert make("ms-ssim").score(gray(110, 176), gray(100, 176)) == pytest.approx(expected, rel=1e-12)


def test_ms_ssim_small_images_use_the_scales_that_fit():
    """50 px → 25 → 13 (→ 7 is too small): three scales, their weights rescaled to sum to 1."""
    assert scales_that_fit(50, 50) == 3
    assert [scales_that_fit(n, n) for n in (10, 11, 21, 22, 43, 44, 160, 161, 4000)] == [0, 1, 2, 2, 3, 3, 4, 5, 5]
    lum = (2 * 100 * 110 + C1) / (100**2 + 110**2 + C1)
    expected = lum ** (MS_SSIM_WEIGHTS[2] / sum(MS_SSIM_WEIGHTS[:3]))
    assert make("ms-ssim").score(gray(110, 50), gray(100, 50)) == pytest.approx(expected, rel=1e-12)


def test_ms_ssim_with_one_scale_is_ssim():
    rng = np.random.default_rng(1)
    x = rng.uniform(0, 255, size=(15, 20))
    y = np.clip(x + rng.normal(0, 20, x.shape), 0, 255)
    assert ms_ssim(x, y) == pytest.approx(max(ssim(x, y), 0.0), rel=1e-12)


def test_ms_ssim_is_kinder_than_ssim_to_fine_noise():
    """Noise lives at the finest scale: the coarser scales MS-SSIM adds barely see it."""
    photo = sample_photo()
    dist = noisy(photo, 10)
    assert make("ms-ssim").score(dist, photo) > make("ssim").score(dist, photo)


@pytest.mark.parametrize(
    "name", ["ssim", "ms-ssim", "ssimulacra2", pytest.param("butteraugli", marks=needs_butteraugli)]
)
def test_too_small_images_are_a_clear_error(name):
    tiny = gray(10, 7)
    with pytest.raises(ValueError, match=r"at least \d+×\d+ pixels, got 7×7"):
        make(name).score(tiny, tiny)


def test_ssim_and_psnr_y_see_luma_only():
    """A colour shift that moves BT.601 luma by only 0.026 is near-invisible to the luma metrics."""
    rng = np.random.default_rng(2)
    ref = rng.integers(40, 200, size=(64, 64, 3), dtype=np.uint8)
    dist = ref.copy()
    dist[..., 0] += 10  # +2.99 in Y …
    dist[..., 2] -= 26  # … −2.964 in Y
    np.testing.assert_allclose(luma(dist) - luma(ref), 0.026, atol=1e-9)
    assert make("ssim").score(dist, ref) > 0.99999
    assert make("ms-ssim").score(dist, ref) > 0.99999
    assert make("psnr-y").score(dist, ref) > 75
    assert make("psnr").score(dist, ref) < 30


# --- shared behaviour ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["psnr", "psnr-y", "psnr-hvs-m", "ssim", "ms-ssim", "ssimulacra2"])
def test_inputs_are_not_modified_and_shapes_are_checked(name):
    photo = sample_photo()
    dist = jpeg_ladder(photo, (30,))[0].copy()
    before = (photo.copy(), dist.copy())
    make(name).score(dist, photo)
    np.testing.assert_array_equal(photo, before[0])
    np.testing.assert_array_equal(dist, before[1])
    with pytest.raises(ValueError, match="reference shape"):
        make(name).score(dist, photo[:-1])
    with pytest.raises(TypeError, match="uint8"):
        make(name).score(dist.astype(np.float32), photo)


def test_ssimulacra2_scores_identical_100_and_clips_at_minus_100():
    photo = sample_photo()
    metric = make("ssimulacra2")
    assert metric.score(photo, photo) == 100.0
    assert metric.score(np.zeros_like(photo), np.full_like(photo, 255)) == -100.0


def test_ssimulacra2_passes_the_reference_first():
    """The library is asymmetric (blur and ringing count differently): argument order matters."""
    import ssimulacra2

    photo = sample_photo()
    dist = jpeg_ladder(photo, (20,))[0]
    assert make("ssimulacra2").score(photo, dist) != pytest.approx(make("ssimulacra2").score(dist, photo), rel=1e-6)
    assert make("ssimulacra2").score(dist, photo) == pytest.approx(
        ssimulacra2.compute_ssimulacra2(_png(photo), _png(dist)), rel=1e-12
    )


def test_library_versions():
    import ssimulacra2

    assert make("psnr").library_versions() == {"numpy": np.__version__}
    assert make("ms-ssim").library_versions() == {"numpy": np.__version__}
    assert make("ssimulacra2").library_versions() == {"ssimulacra2": ssimulacra2.__version__}


# --- butteraugli ---------------------------------------------------------------------------------


def test_butteraugli_without_the_tool_is_registered_and_says_how_to_install(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    assert not ButteraugliMetric.available()
    assert "butteraugli" in get_registry().names("metric")
    photo = sample_photo()
    with pytest.raises(RuntimeError, match="apt-get install libjxl-devtools"):
        make("butteraugli").score(photo, photo)


@needs_butteraugli
def test_butteraugli_identical_is_zero_and_pnorm_is_below_max():
    photo = sample_photo()
    dist = jpeg_ladder(photo, (20,))[0]
    assert make("butteraugli").score(photo, photo) == 0.0
    worst = make("butteraugli").score(dist, photo)
    assert 0 < make("butteraugli(norm=pnorm)").score(dist, photo) < worst
    assert make("butteraugli(norm=pnorm,p=12)").score(dist, photo) > make("butteraugli(norm=pnorm,p=2)").score(
        dist, photo
    )


@needs_butteraugli
def test_butteraugli_brighter_display_shows_more_distortion():
    photo = sample_photo()
    dist = jpeg_ladder(photo, (20,))[0]
    assert make("butteraugli(intensity_target=250)").score(dist, photo) > make("butteraugli").score(dist, photo)


@needs_butteraugli
def test_butteraugli_records_the_package_version():
    (version,) = make("butteraugli").library_versions().values()
    assert version


def fake_tool(tmp_path, monkeypatch, script: str) -> None:
    """Put a shell script named butteraugli_main first on PATH: tool behaviour without the tool."""
    tool = tmp_path / "butteraugli_main"
    tool.write_text("#!/bin/sh\n" + script)
    tool.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")


def test_butteraugli_reads_both_outputs_and_passes_the_parameters(tmp_path, monkeypatch):
    fake_tool(tmp_path, monkeypatch, f'echo "$@" > {tmp_path}/args\necho 2.5000\necho "2.5-norm: 1.250000"\n')
    photo = sample_photo()
    assert make("butteraugli").score(photo, photo) == 2.5
    assert make("butteraugli(norm=pnorm,p=2.5,intensity_target=250)").score(photo, photo) == 1.25
    args = (tmp_path / "args").read_text().split()
    assert args[0].endswith("reference.png") and args[1].endswith("distorted.png")
    assert args[2:] == ["--intensity_target", "250", "--pnorm", "2.5"]


def test_butteraugli_caps_huge_distances(tmp_path, monkeypatch):
    fake_tool(tmp_path, monkeypatch, "echo 5000.0\necho '3-norm: 4000.0'\n")
    photo = sample_photo()
    assert make("butteraugli").score(photo, photo) == 1000.0


@pytest.mark.parametrize(
    ("script", "message"),
    [
        ("echo 'Failed to read image' >&2; exit 3", "failed \\(exit 3\\): Failed to read image"),
        ("echo nonsense", "cannot read butteraugli_main's output"),
    ],
)
def test_butteraugli_tool_failures_are_clear_errors(tmp_path, monkeypatch, script, message):
    fake_tool(tmp_path, monkeypatch, script)
    photo = sample_photo()
    with pytest.raises(RuntimeError, match=message):
        make("butteraugli").score(photo, photo)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("butteraugli(norm=mean)", "must be one of"),
        ("butteraugli(p=0.5)", "'p' must be >= 1"),
        ("psnr(peak=1)", "unknown parameter"),
    ],
)
def test_parameter_errors(spec, message):
    with pytest.raises(ValueError, match=message):
        make(spec)


def test_importing_the_plugin_imports_no_heavy_library():
    code = "import sys, kuchen_plugin_metrics; print([m for m in ('ssimulacra2', 'scipy', 'cv2') if m in sys.modules])"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
