"""The jpeg twin is libjpeg in structure: its tables are the files' tables, its hard-rounded output is
an independent numpy re-implementation's, and its size estimate follows real files."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

torch = pytest.importorskip("torch")

from kuchen_core import get_registry  # noqa: E402
from kuchen_core.testing import check_codec_proxy, sample_photo  # noqa: E402
from kuchen_plugin_jpeg.proxy import ANNEX_K_CHROMA, ANNEX_K_LUMA, JpegProxy, ijg_table  # noqa: E402

ZIGZAG = np.array(
    [
        0,
        1,
        8,
        16,
        9,
        2,
        3,
        10,
        17,
        24,
        32,
        25,
        18,
        11,
        4,
        5,
        12,
        19,
        26,
        33,
        40,
        48,
        41,
        34,
        27,
        20,
        13,
        6,
        7,
        14,
        21,
        28,
        35,
        42,
        49,
        56,
        57,
        50,
        43,
        36,
        29,
        22,
        15,
        23,
        30,
        37,
        44,
        51,
        58,
        59,
        52,
        45,
        38,
        31,
        39,
        46,
        53,
        60,
        61,
        54,
        47,
        55,
        62,
        63,
    ]
)
CBSD68 = Path(__file__).resolve().parents[3] / "benchmarks" / "cbsd68.txt"


def dqt_tables(data: bytes) -> dict[int, np.ndarray]:
    """The 8-bit quantisation tables of a JPEG's DQT segments, by table id, in natural (row-major) order."""
    tables, at = {}, 2
    while at < len(data) and data[at] == 0xFF and data[at + 1] != 0xDA:
        marker, length = data[at + 1], int.from_bytes(data[at + 2 : at + 4], "big")
        if marker == 0xDB:
            body = data[at + 4 : at + 2 + length]
            while body:
                precision, ident = body[0] >> 4, body[0] & 15
                assert precision == 0, "baseline tables are 8-bit"
                natural = np.empty(64, dtype=np.int64)
                natural[ZIGZAG] = np.frombuffer(body[1:65], dtype=np.uint8)
                tables[ident] = natural.reshape(8, 8)
                body = body[65:]
        at += 2 + length
    return tables


@pytest.mark.parametrize("quality", [1, 10, 25, 50, 51, 75, 90, 100])
def test_tables_are_the_ones_in_real_files(quality):
    buffer = io.BytesIO()
    Image.fromarray(sample_photo()).save(buffer, format="JPEG", quality=quality)
    tables = dqt_tables(buffer.getvalue())
    np.testing.assert_array_equal(tables[0], ijg_table(ANNEX_K_LUMA, quality))
    np.testing.assert_array_equal(tables[1], ijg_table(ANNEX_K_CHROMA, quality))
    steps = JpegProxy(rate_weights=[0.0] * 9).tables(torch.tensor([float(quality)]))
    np.testing.assert_array_equal(steps[0][0].numpy(), tables[0])


def numpy_jpeg(image: np.ndarray, quality: int) -> np.ndarray:
    """libjpeg's lossy path written out in float64 numpy: what the twin must reproduce."""
    height, width = image.shape[:2]
    rgb = np.pad(image.astype(np.float64), ((0, -height % 16), (0, -width % 16), (0, 0)), mode="edge")
    forward = np.array([[0.299, 0.587, 0.114], [-0.168735892, -0.331264108, 0.5], [0.5, -0.418687589, -0.081312411]])
    ycc = np.round(rgb @ forward.T + [0, 128, 128])
    y, chroma = ycc[..., 0], ycc[..., 1:]
    chroma = np.round(chroma.reshape(chroma.shape[0] // 2, 2, chroma.shape[1] // 2, 2, 2).mean(axis=(1, 3)))

    k = np.arange(8)
    d = np.sqrt(2 / 8) * np.cos(np.pi * (2 * k[None, :] + 1) * k[:, None] / 16)  # orthonormal DCT-II, T.81's FDCT
    d[0] /= np.sqrt(2)

    def code(plane: np.ndarray, table: np.ndarray) -> np.ndarray:
        out = np.empty_like(plane)
        for top in range(0, plane.shape[0], 8):
            for left in range(0, plane.shape[1], 8):
                block = d @ (plane[top : top + 8, left : left + 8] - 128) @ d.T
                out[top : top + 8, left : left + 8] = d.T @ (np.round(block / table) * table) @ d + 128
        return np.clip(np.round(out), 0, 255)

    y = code(y, ijg_table(ANNEX_K_LUMA, quality))
    planes = []
    for c in range(2):
        plane = np.pad(code(chroma[..., c], ijg_table(ANNEX_K_CHROMA, quality)), 1, mode="edge")
        rows = np.empty((2 * (plane.shape[0] - 2), plane.shape[1]))
        rows[0::2], rows[1::2] = 0.75 * plane[1:-1] + 0.25 * plane[:-2], 0.75 * plane[1:-1] + 0.25 * plane[2:]
        full = np.empty((rows.shape[0], 2 * (rows.shape[1] - 2)))
        full[:, 0::2], full[:, 1::2] = (
            0.75 * rows[:, 1:-1] + 0.25 * rows[:, :-2],
            0.75 * rows[:, 1:-1] + 0.25 * rows[:, 2:],
        )
        planes.append(np.round(full))
    back = np.array([[1.0, 0.0, 1.402], [1.0, -0.344136286, -0.714136286], [1.0, 1.772, 0.0]])
    rgb = np.stack([y, *planes], axis=-1) - [0, 128, 128]
    return np.clip(np.round(rgb @ back.T), 0, 255)[:height, :width].astype(np.uint8)


@pytest.mark.parametrize("quality", [20, 50, 90])
def test_hard_output_equals_a_numpy_reimplementation(quality):
    image = sample_photo()[:45, :61]  # odd sizes: padding and partial blocks on both axes
    proxy = JpegProxy(rate_weights=[0.0] * 9).double().eval()
    batch = torch.from_numpy(image.copy()).permute(2, 0, 1).unsqueeze(0).double() / 255.0
    with torch.no_grad():
        recon = proxy(batch, quality)[0][0].permute(1, 2, 0).numpy()
    twin = np.round(recon * 255.0).astype(np.uint8)
    np.testing.assert_array_equal(twin, numpy_jpeg(image, quality))


def test_hard_output_is_close_to_libjpeg_turbo():
    image = sample_photo()
    batch = torch.from_numpy(image.copy()).permute(2, 0, 1).unsqueeze(0).float() / 255.0
    codec = get_registry().create("codec", "jpeg")
    proxy = codec.proxy().eval()
    for quality in (20, 50, 90):
        real = codec.decode(codec.encode(image, quality)).astype(np.float64)
        with torch.no_grad():
            twin = np.round(proxy(batch, quality)[0][0].permute(1, 2, 0).numpy() * 255.0)
        mse = np.mean(
            (twin - real) ** 2
        )  # libjpeg's integer DCT and fixed-point colour differ by a level here and there
        assert 10 * np.log10(255.0**2 / mse) > 40


def test_the_jpeg_twin_passes_the_contract_kit():
    check_codec_proxy(get_registry().create("codec", "jpeg"))


def test_size_estimates_follow_real_files():
    if not CBSD68.is_file() or not (CBSD68.parent / "../../shared/data/bsds500/val").resolve().is_dir():
        pytest.skip("needs ../shared/data (BSDS500)")
    from kuchen_core import load_image

    paths = [(CBSD68.parent / line).resolve() for line in CBSD68.read_text().split() if line.endswith(".jpg")][:3]
    codec = get_registry().create("codec", "jpeg")
    proxy = codec.proxy().eval()
    errors = []
    for path in paths:
        image = load_image(path)
        batch = torch.from_numpy(image.copy()).permute(2, 0, 1).unsqueeze(0).float() / 255.0
        for quality in (20, 50, 90):
            with torch.no_grad():
                estimate = float(proxy(batch, quality)[1][0]) / 8
            errors.append(abs(estimate / len(codec.encode(image, quality)) - 1))
    assert np.median(errors) < 0.05
