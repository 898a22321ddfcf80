"""Fast, deterministic plugins for the labeler's tests, importable by worker processes.

Name this module in a config's ``plugin_modules`` (with ``tests/`` on PYTHONPATH) and every
worker — process pool or Dask — registers these plugins itself. Every method application and
every encode increments ``CALLS`` and, when ``KUCHEN_TEST_CALL_LOG`` names a file, appends a
line to it, so tests count work done in other processes too.
"""

from __future__ import annotations

import hashlib
import io
import os
import signal
import time
from collections import Counter
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

from kuchen_core import Codec, CodecInfo, Method, MethodInfo, Metric, MetricInfo, Param, hookimpl

CALLS: Counter = Counter()
LOG_ENV = "KUCHEN_TEST_CALL_LOG"


def pixels_sha(image: np.ndarray) -> str:
    """The labeler's short hash of a pre-codec image (as in its cache records)."""
    return hashlib.sha256(np.ascontiguousarray(image).tobytes()).hexdigest()[:16]


def _record(kind: str, name: str, image: np.ndarray, extra: str = "") -> None:
    CALLS[(kind, name)] += 1
    path = os.environ.get(LOG_ENV)
    if path:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(f"{kind} {name} {pixels_sha(image)} {extra}\n")


class _Logged(Method):
    def apply(self, image: np.ndarray) -> np.ndarray:
        _record("apply", self.spec, image)
        return self.transform(image)

    def transform(self, image: np.ndarray) -> np.ndarray:
        raise NotImplementedError


class Blur(_Logged):
    info = MethodInfo(name="tblur", description="box blur", params=[Param("radius", 1, minimum=1)])

    def transform(self, image: np.ndarray) -> np.ndarray:
        return np.asarray(Image.fromarray(image).filter(ImageFilter.BoxBlur(self.params["radius"])))


class Brighten(_Logged):
    info = MethodInfo(name="tbright", description="add a constant", params=[Param("delta", 9)])

    def transform(self, image: np.ndarray) -> np.ndarray:
        return np.clip(image.astype(np.int16) + self.params["delta"], 0, 255).astype(np.uint8)


class Posterize(_Logged):
    info = MethodInfo(name="tposter", description="keep the top bits", params=[Param("bits", 5, minimum=1, maximum=8)])

    def transform(self, image: np.ndarray) -> np.ndarray:
        shift = 8 - self.params["bits"]
        return ((image >> shift) << shift).astype(np.uint8)


class Flip(_Logged):
    info = MethodInfo(name="tflip", description="mirror left-right")

    def transform(self, image: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(image[:, ::-1])


class Nap(_Logged):
    """Sleeps, then brightens by one: a slow-ish method for kill-and-resume tests."""

    info = MethodInfo(name="tnap", description="sleep then +1", params=[Param("seconds", 0.05, minimum=0.0)])

    def transform(self, image: np.ndarray) -> np.ndarray:
        time.sleep(self.params["seconds"])
        return np.clip(image.astype(np.int16) + 1, 0, 255).astype(np.uint8)


class Fragile(_Logged):
    """Raises on images whose top-left red value is ``fail_on``: one bad (image, method) pair."""

    info = MethodInfo(name="tfragile", description="fails on a marked image", params=[Param("fail_on", 7)])

    def transform(self, image: np.ndarray) -> np.ndarray:
        if int(image[0, 0, 0]) == self.params["fail_on"]:
            raise RuntimeError("tfragile refuses this image")
        return np.ascontiguousarray(image[::-1])


class Crash(_Logged):
    """Kills its worker with a real SIGSEGV (as a broken C extension would) on images whose top-left red
    value is ``crash_on``; on the others it works ``seconds`` first, so they are in flight when it dies."""

    info = MethodInfo(
        name="tcrash",
        description="segfaults on a marked image",
        params=[Param("crash_on", 7), Param("seconds", 0.5, minimum=0.0)],
    )

    def transform(self, image: np.ndarray) -> np.ndarray:
        if int(image[0, 0, 0]) == self.params["crash_on"]:
            os.kill(os.getpid(), signal.SIGSEGV)
        time.sleep(self.params["seconds"])
        return np.ascontiguousarray(image[::-1])


class Jpeg(Codec):
    """Pillow JPEG; raises on images of width ``fail_width`` so codec failures can be provoked."""

    info = CodecInfo(
        name="tjpeg",
        description="Pillow JPEG (tests)",
        extension=".jpg",
        quality_range=(1, 100),
        params=[Param("fail_width", 0)],
    )

    def encode(self, image: np.ndarray, quality: int) -> bytes:
        _record("encode", "tjpeg", image, str(quality))
        if image.shape[1] == self.params["fail_width"]:
            raise OSError("tjpeg cannot encode this width")
        buffer = io.BytesIO()
        Image.fromarray(image).save(buffer, format="JPEG", quality=quality)
        return buffer.getvalue()

    def decode(self, data: bytes) -> np.ndarray:
        return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


class Psnr(Metric):
    info = MetricInfo(
        name="tpsnr", description="PSNR (tests)", needs_reference=True, higher_is_better=True, range=(0, 100)
    )

    def score(self, distorted: np.ndarray, reference: np.ndarray | None = None) -> float:
        reference = self.require_reference(distorted, reference)
        mse = float(np.mean((distorted.astype(np.float64) - reference) ** 2))
        return 100.0 if mse == 0 else min(100.0, 10 * np.log10(255.0**2 / mse))


class Roughness(Metric):
    """No-reference: mean absolute horizontal gradient (lower is 'better', like BRISQUE's direction)."""

    info = MetricInfo(
        name="trough", description="mean |dx| (tests)", needs_reference=False, higher_is_better=False, range=(0, 255)
    )

    def score(self, distorted: np.ndarray, reference: np.ndarray | None = None) -> float:
        CALLS[("score-reference", "trough")] += reference is not None
        return float(np.abs(np.diff(distorted.astype(np.int16), axis=1)).mean())


@hookimpl
def register_methods(register):
    for cls in (Blur, Brighten, Posterize, Flip, Nap, Fragile, Crash):
        register(cls)


@hookimpl
def register_codecs(register):
    register(Jpeg)


@hookimpl
def register_metrics(register):
    register(Psnr)
    register(Roughness)


# -- helpers the labeler's tests share -----------------------------------------------------


def square(x: int) -> int:
    """A task for executor tests: slow enough that several are in flight at once."""
    time.sleep(0.02)
    if x == 3:
        raise ValueError("three")
    return x * x


def die_on_two(x: int) -> int:
    """A task whose worker process dies on item 2, as a segfaulting plugin would."""
    if x == 2:
        os._exit(3)
    return x


def make_images(folder, count: int, marked: int | None = None, size: tuple[int, int] = (40, 56)) -> list:
    """``count`` small distinct photo crops as PNG; image ``marked`` gets the value tfragile refuses."""
    from kuchen_core.testing import sample_photo

    photo = sample_photo()
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        top, left = (7 * i) % (photo.shape[0] - size[0]), (11 * i) % (photo.shape[1] - size[1])
        crop = photo[top : top + size[0], left : left + size[1]].copy()
        crop[0, 0, 0] = 7 if i == marked else 200
        path = folder / f"img{i:03d}.png"
        Image.fromarray(crop).save(path)
        paths.append(path)
    return paths


def config_text(
    inputs: str,
    output: str,
    methods=("tblur", "tbright", "tposter"),
    max_group_size: int = 2,
    quality="40",
    codec: str = "tjpeg",
    metrics=("tpsnr",),
    modules=("label_fakes",),
    extra: str = "",
) -> str:
    """A labeling TOML; ``metrics`` entries are names or inline TOML tables."""
    metric_tables = "\n".join(m if m.startswith("[[metrics]]") else f'[[metrics]]\nname = "{m}"' for m in metrics)
    pool = ", ".join(f'"{m}"' for m in methods)
    module_list = ", ".join(f'"{m}"' for m in modules)
    return (
        f'input = "{inputs}"\noutput = "{output}"\nplugin_modules = [{module_list}]\n{extra}\n'
        f"[pool]\nmethods = [{pool}]\nmax_group_size = {max_group_size}\n"
        f'[codec]\nname = "{codec}"\nquality = {quality}\n{metric_tables}\n'
    )


def without_timings(rows: list) -> list:
    """Manifest rows minus the measured seconds, the only field that differs between equal runs."""
    for row in rows:
        for result in row.get("results", []):
            for group in result["groups"]:
                group.pop("timings", None)
    return rows


def subprocess_env(log: Path) -> dict[str, str]:
    """The environment for a ``kuchen`` child process that loads these fakes and logs their work to ``log``."""
    path = os.pathsep.join([str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")])
    return {**os.environ, LOG_ENV: str(log), "PYTHONPATH": path}
