"""The image boundary on every odd input a user can throw at it (files generated here)."""

import io

import numpy as np
import pytest
from PIL import Image

from kuchen_core import ImageLoadError, load_image, save_image


def _rgb(height=6, width=5):
    y, x = np.mgrid[0:height, 0:width]
    return np.stack([x * 40, y * 30, (x + y) * 20], axis=-1).astype(np.uint8)


def _check(array, shape):
    assert array.dtype == np.uint8 and array.shape == shape and array.flags["C_CONTIGUOUS"]


def test_rgb_png_round_trips(tmp_path):
    image = _rgb()
    save_image(tmp_path / "a.png", image)
    np.testing.assert_array_equal(load_image(tmp_path / "a.png"), image)
    assert not list(tmp_path.glob(".*tmp"))


def test_grayscale_becomes_three_equal_channels(tmp_path):
    Image.fromarray(np.arange(30, dtype=np.uint8).reshape(5, 6), "L").save(tmp_path / "g.png")
    out = load_image(tmp_path / "g.png")
    _check(out, (5, 6, 3))
    assert (out[..., 0] == out[..., 1]).all() and out[1, 0, 2] == 6


def test_rgba_is_composited_on_white(tmp_path):
    rgba = np.zeros((4, 4, 4), np.uint8)
    rgba[..., 0] = 200
    rgba[:2, :, 3] = 255  # top half opaque red, bottom transparent
    Image.fromarray(rgba, "RGBA").save(tmp_path / "a.png")
    out = load_image(tmp_path / "a.png")
    assert tuple(out[0, 0]) == (200, 0, 0) and tuple(out[3, 3]) == (255, 255, 255)


def test_sixteen_bit_grayscale_is_scaled_not_clipped(tmp_path):
    data = np.array([[0, 257 * 128, 65535]], dtype=np.uint16)
    Image.fromarray(data).save(tmp_path / "d.png")
    assert Image.open(tmp_path / "d.png").mode.startswith("I")
    assert load_image(tmp_path / "d.png")[0, :, 0].tolist() == [0, 128, 255]


def test_palette_with_transparency(tmp_path):
    img = Image.new("P", (3, 2))
    img.putpalette([0, 0, 0, 10, 20, 30] + [0] * 762)
    img.putpixel((0, 0), 1)
    img.info["transparency"] = 0
    img.save(tmp_path / "p.png", transparency=0)
    out = load_image(tmp_path / "p.png")
    assert tuple(out[0, 0]) == (10, 20, 30) and tuple(out[1, 1]) == (255, 255, 255)


def test_cmyk_jpeg(tmp_path):
    Image.new("CMYK", (4, 3), (0, 255, 255, 0)).save(tmp_path / "c.jpg", quality=95)
    out = load_image(tmp_path / "c.jpg")
    _check(out, (3, 4, 3))
    assert out[..., 0].mean() > 200 and out[..., 1].mean() < 60


def test_exif_orientation_is_applied(tmp_path):
    image = Image.fromarray(_rgb(2, 4))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise on display
    image.save(tmp_path / "r.jpg", exif=exif, quality=100)
    assert load_image(tmp_path / "r.jpg").shape == (4, 2, 3)


def test_one_by_one_and_bytes_input():
    buffer = io.BytesIO()
    Image.new("RGB", (1, 1), (1, 2, 3)).save(buffer, format="PNG")
    assert load_image(buffer.getvalue()).tolist() == [[[1, 2, 3]]]


def test_truncated_file_names_the_file(tmp_path):
    Image.fromarray(_rgb(64, 64)).save(tmp_path / "t.jpg", quality=90)
    data = (tmp_path / "t.jpg").read_bytes()
    (tmp_path / "t.jpg").write_bytes(data[: len(data) // 2])
    with pytest.raises(ImageLoadError, match=r"t\.jpg: corrupt or truncated"):
        load_image(tmp_path / "t.jpg")


def test_corrupt_and_missing_files(tmp_path):
    (tmp_path / "junk.png").write_bytes(b"not an image at all")
    with pytest.raises(ImageLoadError, match=r"junk\.png: not an image"):
        load_image(tmp_path / "junk.png")
    with pytest.raises(ImageLoadError, match="no such file"):
        load_image(tmp_path / "missing.png")


def test_decompression_bomb_is_refused(tmp_path, monkeypatch):
    Image.new("RGB", (100, 100)).save(tmp_path / "big.png")
    monkeypatch.setenv("KUCHEN_MAX_PIXELS", "5000")
    with pytest.raises(ImageLoadError, match=r"big\.png: 100x100 = 10000 pixels exceeds the limit of 5000"):
        load_image(tmp_path / "big.png")


def test_save_rejects_non_rgb_arrays(tmp_path):
    with pytest.raises(TypeError, match="uint8"):
        save_image(tmp_path / "x.png", np.zeros((2, 2), np.float32))
