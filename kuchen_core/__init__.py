"""Kuchen core: plugin hooks, registry, image boundary, the pipeline primitive and the notebook API
(``compress``, ``decode``, ``apply``, ``score``, ``to_rgb``).

This is the public API plugins may import; everything else is internal.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version as _dist_version

from .descriptors import BackboneInfo, CodecInfo, KINDS, MethodInfo, MetricInfo, Param
from .errors import DuplicatePluginError, ImageLoadError, KuchenError, PluginLoadError, UnknownPluginError
from .hookspecs import hookimpl
from .images import check_image, decode_with_pillow, load_image, save_image, to_rgb
from .interfaces import Backbone, Codec, Method, Metric, Plugin
from .pipeline import PipelineResult, apply_methods, bits_per_pixel, encode_and_measure, run_pipeline
from .api import CompressResult, apply, compress, decode, score
from .registry import Registry, get_registry, reset_registry, use_registry
from .runtime.files import write_atomic
from .specs import parse_spec, split_specs

try:
    __version__ = _dist_version("kuchen-core")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

__all__ = [
    "Backbone",
    "BackboneInfo",
    "Codec",
    "CodecInfo",
    "CompressResult",
    "DuplicatePluginError",
    "ImageLoadError",
    "KINDS",
    "KuchenError",
    "Method",
    "MethodInfo",
    "Metric",
    "MetricInfo",
    "Param",
    "PipelineResult",
    "Plugin",
    "PluginLoadError",
    "Registry",
    "UnknownPluginError",
    "apply",
    "apply_methods",
    "bits_per_pixel",
    "check_image",
    "compress",
    "decode",
    "decode_with_pillow",
    "encode_and_measure",
    "get_registry",
    "hookimpl",
    "load_image",
    "parse_spec",
    "reset_registry",
    "run_pipeline",
    "save_image",
    "score",
    "split_specs",
    "to_rgb",
    "use_registry",
    "write_atomic",
]
