"""Issue 19, items 12-14: the pixel limit (one limit, ours; a malformed one is one line at
start-up), the README's decode command with two JPEG codecs installed, and animated images.
See the Guarantees section of docs/architecture.md."""

import os
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from kuchen_core import load_image
from kuchen_core.errors import ImageLoadError
from kuchen_core.registry import get_registry
from kuchen_core.testing import sample_photo

BIN = Path(sys.executable).parent


def png_header_only(width: int, height: int) -> bytes:
    """A grey PNG that declares ``width`` x ``height`` but holds almost no pixel data: opening it reads
    only the header, so a limit check on it is fast; decoding it fails as truncated."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def kuchen(*args, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "kuchen"), *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )


# -- item 13: our limit is the only one in force ------------------------------------------------


def test_a_95_megapixel_photo_is_within_the_documented_limit(monkeypatch):
    monkeypatch.delenv("KUCHEN_MAX_PIXELS", raising=False)
    with pytest.raises(ImageLoadError) as refused:
        load_image(png_header_only(10_000, 9_500))  # 95 MP: over Pillow's own 89.5 MP guard
    message = str(refused.value)
    assert "truncated" in message  # it got past every size check and started decoding
    assert "limit" not in message and "bomb" not in message


def test_above_the_limit_is_refused_and_raising_the_limit_helps(monkeypatch):
    monkeypatch.delenv("KUCHEN_MAX_PIXELS", raising=False)
    with pytest.raises(ImageLoadError, match="exceeds the limit of 120000000"):
        load_image(png_header_only(13_000, 10_000))  # 130 MP
    with pytest.raises(ImageLoadError, match="exceeds the limit of 120000000|limit is 120000000"):
        load_image(png_header_only(20_000, 20_000))  # over twice the limit: Pillow's guard, set from ours
    monkeypatch.setenv("KUCHEN_MAX_PIXELS", "200000000")
    with pytest.raises(ImageLoadError, match="truncated"):
        load_image(png_header_only(13_000, 10_000))
    monkeypatch.setenv("KUCHEN_MAX_PIXELS", "1000")
    with pytest.raises(ImageLoadError, match="exceeds the limit of 1000"):
        load_image(png_header_only(40, 30))


# -- item 12: a malformed KUCHEN_MAX_PIXELS is one line at start-up -----------------------------


def test_a_malformed_pixel_limit_is_one_line_at_start_up(tmp_path):
    for i in range(3):
        Image.fromarray(sample_photo()[:32, :32]).save(tmp_path / f"{i}.png")
    done = kuchen(
        "compress",
        ".",
        "--codec",
        "jpeg",
        "-q",
        "50",
        "--metrics",
        "none",
        "-o",
        "out",
        "--quiet",
        cwd=tmp_path,
        env={"KUCHEN_MAX_PIXELS": "abc"},
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [
        "Error: KUCHEN_MAX_PIXELS='abc' is not a positive whole number of pixels (unset it for the default, 120000000)"
    ]
    assert not (tmp_path / "out").exists()


# -- item 14: the README's decode command; animated images --------------------------------------


@pytest.mark.skipif(not {"jpeg", "jpegli"} <= set(get_registry().names("codec")), reason="needs jpeg and jpegli")
def test_the_readmes_decode_command_works_with_two_jpeg_codecs_installed(tmp_path):
    Image.fromarray(sample_photo()[:48, :64]).save(tmp_path / "photo.png")
    for codec in ("jpeg", "jpegli"):
        made = kuchen(
            "compress",
            "photo.png",
            "--codec",
            codec,
            "-q",
            "60",
            "--metrics",
            "none",
            "-o",
            f"out-{codec}",
            "--quiet",
            cwd=tmp_path,
        )
        assert made.returncode == 0, made.stderr
    shutil.copy(tmp_path / "out-jpegli" / "photo.jpg", tmp_path / "out-jpeg" / "photo-jpegli.jpg")
    shutil.move(tmp_path / "out-jpeg", tmp_path / "out")
    done = kuchen("decode", "out/", "-o", "decoded/", cwd=tmp_path)  # exactly the README's command
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (tmp_path / "decoded").iterdir()) == ["photo-jpegli.png", "photo.png"]
    assert "jpeg)" in done.stdout


def test_an_animated_gif_says_only_its_first_frame_is_used(tmp_path, caplog):
    frames = [Image.fromarray(np.full((16, 16, 3), value, np.uint8)) for value in (10, 120, 240)]
    frames[0].save(tmp_path / "anim.gif", save_all=True, append_images=frames[1:], duration=100)
    image = load_image(tmp_path / "anim.gif")
    assert int(image[0, 0, 0]) == 10
    warnings = [r.getMessage() for r in caplog.records if "first frame" in r.getMessage()]
    assert warnings == [
        f"warning: {tmp_path / 'anim.gif'}: an animated image of 3 frames; only the first frame is used"
    ]
    done = kuchen(
        "compress", "anim.gif", "--codec", "jpeg", "-q", "50", "--metrics", "none", "-o", "out", "--quiet", cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert [line for line in done.stderr.splitlines() if line.strip()] == [
        "warning: anim.gif: an animated image of 3 frames; only the first frame is used"
    ]
