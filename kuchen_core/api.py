"""The Python API for notebooks and scripts: ``compress``, ``decode``, ``apply`` and ``score``.

Images may be a path, bytes, a PIL image or a ``uint8`` H×W×3 array; plugins may be spec text
(``"jpeg(subsampling=4:4:4)"``, ``"nlmeans+detail"``, ``"psnr,ssimulacra2"``) or plugin objects.
The work is done by the same pipeline primitive as ``kuchen compress``, so the numbers agree.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterable, Union

import attrs
import numpy as np
from PIL import Image

from .images import check_image, load_image, to_rgb_array
from .interfaces import Codec, Method, Metric, Plugin
from .pipeline import PipelineResult, apply_methods, run_pipeline, score as score_all
from .registry import get_registry
from .specs import split_chain, split_specs

ImageLike = Union[str, os.PathLike, bytes, Image.Image, np.ndarray]
PluginsLike = Union[None, str, Plugin, Iterable[Union[str, Plugin]]]
_BASES = {"codec": Codec, "method": Method, "metric": Metric}


@attrs.frozen(eq=False, repr=False, kw_only=True)
class CompressResult(PipelineResult):
    """One image through one codec: the pipeline's result (``data`` is exactly the file a user would
    store, ``decoded`` is after any post-filters, ``scores`` compare with the original input) and
    the settings that made it."""

    codec: str  # the codec's canonical spec
    quality: int
    pre: tuple[str, ...]  # the pre-processing chain's specs, in order
    extension: str  # the suffix of the file ``data`` is

    def save(self, path: str | os.PathLike) -> Path:
        """Write the compressed file; refuses to overwrite an existing file."""
        path = Path(path)
        with open(path, "xb") as handle:
            handle.write(self.data)
        return path

    def __repr__(self) -> str:
        scores = "".join(f", {name} {value:.4g}" for name, value in self.scores.items())
        pre = "+".join(spec.split("(")[0] for spec in self.pre) or "none"
        height, width = self.decoded.shape[:2]
        return (
            f"<CompressResult {self.codec.split('(')[0]} q={self.quality} pre={pre}: "
            f"{width}x{height}, {self.n_bytes:,} bytes, {self.bpp:.4f} bpp{scores}>"
        )


def as_image(image: ImageLike) -> np.ndarray:
    """A path, bytes or PIL image is loaded the way the CLI loads files; an array must already be
    ``uint8`` H×W×3 RGB (the error names ``kuchen_core.to_rgb`` for everything else)."""
    if isinstance(image, (str, os.PathLike, bytes)):
        return load_image(image)
    if isinstance(image, Image.Image):
        return to_rgb_array(image)
    if isinstance(image, np.ndarray):
        return check_image(image)
    raise TypeError(
        f"expected a path, bytes, a PIL image or a uint8 H×W×3 RGB array, got {type(image).__name__}; "
        "convert it with kuchen_core.to_rgb(...)"
    )


def build(kind: str, spec: str | Plugin) -> Any:
    """A plugin object from spec text, or the object itself if it already is one of ``kind``."""
    if isinstance(spec, str):
        return get_registry().create(kind, spec)
    if isinstance(spec, _BASES[kind]):
        return spec
    raise TypeError(f"expected a {kind} spec string or a kuchen_core.{_BASES[kind].__name__}, got {spec!r}")


def build_all(kind: str, specs: PluginsLike) -> list[Any]:
    """Objects for ``None``, one spec or object, text listing several, or an iterable of them."""
    if specs is None:
        return []
    if isinstance(specs, str):
        names = split_chain(specs) if kind == "method" else split_specs(specs)
        return [build(kind, name) for name in names]
    if isinstance(specs, Plugin):
        return [build(kind, specs)]
    return [obj for item in specs for obj in build_all(kind, item)]


def compress(
    image: ImageLike,
    codec: str | Codec = "jpeg",
    quality: int = 50,
    pre: PluginsLike = None,
    metrics: PluginsLike = (),
    post: PluginsLike = None,
) -> CompressResult:
    """Pre-process ``image``, encode it with a real codec, decode it, post-filter it and score the
    result against the original ``image``: ``compress("photo.png", "webp", 40, pre="nlmeans", metrics="psnr")``."""
    original = as_image(image)
    codec_obj = build("codec", codec)
    methods = build_all("method", pre)
    result = run_pipeline(
        original,
        codec_obj,
        quality,
        methods=methods,
        metrics=build_all("metric", metrics),
        post=build_all("method", post),
    )
    return CompressResult(
        **attrs.asdict(result, recurse=False),
        codec=codec_obj.spec,
        quality=int(quality),
        pre=tuple(m.spec for m in methods),
        extension=codec_obj.info.extension,
    )


def decode(
    data: bytes | str | os.PathLike | CompressResult, codec: str | Codec | None = None, post: PluginsLike = None
) -> np.ndarray:
    """Decode a compressed file (bytes, a path, or a ``CompressResult``) to ``uint8`` H×W×3, then
    apply ``post``. The codec defaults to the result's, or the one installed codec for the path's suffix."""
    if isinstance(data, CompressResult):
        codec, data = codec or data.codec, data.data
    elif isinstance(data, (str, os.PathLike)):
        path = Path(data)
        if codec is None:
            names = get_registry().codecs_for_suffix(path.suffix)
            if len(names) != 1:
                found = f"codecs {', '.join(names)} all write" if names else "no installed codec writes"
                raise ValueError(f"{found} {path.suffix or 'files without a suffix'}; pass codec='NAME'")
            codec = names[0]
        data = path.read_bytes()
    elif codec is None:
        raise ValueError("decoding bytes needs the codec: decode(data, codec='jpeg')")
    return apply_methods(build("codec", codec).decode(data), build_all("method", post))


def apply(image: ImageLike, methods: PluginsLike) -> np.ndarray:
    """Run methods in order: ``apply(image, "nlmeans(h=5)+detail")`` (``,`` separates them too)."""
    return apply_methods(as_image(image), build_all("method", methods))


def score(decoded: ImageLike, reference: ImageLike | None, metrics: PluginsLike) -> float | dict[str, float]:
    """Score ``decoded`` against ``reference`` (``None`` for no-reference metrics only). One metric
    gives a float; several (``"psnr,ssimulacra2"`` or a list) give ``{name: score}``."""
    objects = build_all("metric", metrics)
    if not objects:
        raise ValueError("score needs at least one metric, e.g. score(decoded, reference, 'psnr')")
    distorted = as_image(decoded)
    original = None if reference is None else as_image(reference)
    needing = [m.name for m in objects if m.info.needs_reference]
    if original is None and needing:
        raise ValueError(f"{', '.join(needing)} compare with the original: pass reference=")
    values = score_all(objects, distorted, original)
    single = isinstance(metrics, Plugin) or (isinstance(metrics, str) and len(objects) == 1)
    return next(iter(values.values())) if single else values
