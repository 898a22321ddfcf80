"""``kuchen train`` configuration: a TOML file with ``[model]``, ``[data]`` and ``[train]`` tables.

Defaults are the Kuchen paper's: 320×180 patches at stride 160, Adam at 1e-4, batch 4, MSE.
Unknown keys are errors (a typo must not silently train with a default).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
from pathlib import Path
from typing import Any, Mapping

import attrs

from ..errors import KuchenError
from ..runtime.config import ConfigError, Table, read_toml
from ..runtime.provenance import plugin_registry

SOURCES = ("manifest", "codec", "pairs", "images")
LOSSES = ("mse", "l1", "psnr")


class TrainConfigError(ConfigError):
    """The training configuration is invalid; the message names the key."""


@attrs.frozen(kw_only=True)
class DataConfig:
    """Where (input, target) pairs come from — see ``pairs.py`` for each source."""

    source: str
    images: tuple[str, ...] = ()
    ids: str | None = None
    limit: int | None = None
    codec: str | None = None
    qualities: tuple[int, ...] = ()
    manifest: str | None = None
    inputs: str | None = None
    targets: str | None = None

    def describe(self) -> dict[str, Any]:
        return {k: v for k, v in attrs.asdict(self).items() if v not in (None, ())}


@attrs.frozen(kw_only=True)
class RateDistortionConfig:
    """The rate-aware objective: the network's output goes through ``codec``'s twin at a quality
    drawn uniformly from ``qualities`` (inclusive integers), and the loss is
    ``bpp + lambda·D`` (``form = "linear"``) or ``bits/bits₀ + lambda·D/D₀`` (``form = "relative"``,
    ₀ being the untouched image through the twin),
    D = Σ weight·loss form of each ``distortion`` metric against the original."""

    codec: str
    qualities: tuple[int, int]
    lmbda: float
    distortion: tuple[tuple[str, float], ...]
    form: str = "linear"
    val_qualities: tuple[int, ...] = ()

    def describe(self) -> dict[str, Any]:
        return {**attrs.asdict(self), "distortion": dict(self.distortion)}


@attrs.frozen(kw_only=True)
class TrainConfig:
    backbone: str
    plugin_modules: tuple[str, ...] = attrs.field(default=(), converter=tuple)
    init: str | None = None
    data: DataConfig
    val: DataConfig | None = None
    rate_distortion: RateDistortionConfig | None = None
    val_fraction: float = 0.1
    patch_width: int = 320
    patch_height: int = 180
    stride: int = 160
    batch: int = 4
    lr: float = 1e-4
    loss: str = "mse"
    epochs: int = 10
    max_steps: int | None = None
    seed: int = 0
    augment: bool = True
    device: str = "auto"
    amp: bool = True
    channels_last: bool = True
    threads: int | None = None
    checkpoint_every: int = 200
    val_every: int | None = None
    out: str = "runs/train"

    def as_dict(self) -> dict[str, Any]:
        return json.loads(json.dumps(attrs.asdict(self), default=list))

    def fingerprint(self) -> str:
        """What must match for a resume to continue the same run (not where it is written)."""
        fields = {
            k: v for k, v in self.as_dict().items() if k not in {"out", "device", "threads", "max_steps", "epochs"}
        }
        return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()[:16]


_TRAIN_KEYS = {f.name for f in attrs.fields(TrainConfig)} - {
    "backbone",
    "plugin_modules",
    "init",
    "data",
    "val",
    "out",
    "rate_distortion",
}
_RD_KEYS = {"codec", "qualities", "lambda", "distortion", "form", "val_qualities"}
RD_FORMS = ("linear", "relative")
_DATA_KEYS = {f.name for f in attrs.fields(DataConfig)} | {"val", "val_fraction"}


def load_train_config(path: str | os.PathLike, overrides: Mapping[str, Any] | None = None) -> TrainConfig:
    """Read a TOML config; relative data paths are relative to the config file's folder."""
    path = Path(path)
    data = read_toml(path, TrainConfigError)
    return parse_train_config(data, base=path.parent, overrides=overrides)


def parse_train_config(
    data: Mapping[str, Any], base: Path = Path("."), overrides: Mapping[str, Any] | None = None
) -> TrainConfig:
    top = Table(data, error=TrainConfigError)
    top.only({"model", "data", "train", "rate_distortion"}, "the top level")
    model = top.table("model", required=True)
    model.only({"backbone", "plugin_modules", "init"}, "[model]")
    if not isinstance(model.data.get("backbone"), str):
        raise TrainConfigError('[model] backbone is required, e.g. backbone = "unet(width=32)"')
    data_table = top.table("data", required=True)
    data_table.only(_DATA_KEYS, "[data]")
    val_table = data_table.table("val", required=False).data if "val" in data_table else None
    val_fraction = data_table.number("val_fraction", 0.1)
    train_table = top.table("train", required=False)
    train_table.only(_TRAIN_KEYS | {"out"}, "[train]")
    train = dict(train_table.data)
    data_values = {k: v for k, v in data_table.data.items() if k not in ("val", "val_fraction")}
    train.update({k: v for k, v in (overrides or {}).items() if v is not None})
    if "patch" in train:
        raise TrainConfigError("[train] use patch_width and patch_height")
    out = str(_resolve(base, train.pop("out", "runs/train")))
    try:
        config = TrainConfig(
            backbone=model.data["backbone"],
            plugin_modules=tuple(model.str_list("plugin_modules") or []),  # type: ignore[arg-type]  # attrs converter
            init=str(_resolve(base, model.data["init"])) if model.data.get("init") else None,
            data=_data(data_values, base, "[data]"),
            val=_data(val_table, base, "[data.val]") if val_table is not None else None,
            val_fraction=val_fraction,
            rate_distortion=_rate_distortion(data["rate_distortion"]) if "rate_distortion" in data else None,
            out=out,
            **train,
        )
    except TypeError as exc:
        raise TrainConfigError(f"[train]: {exc}") from None
    _check(config)
    return config


def _data(data: Mapping[str, Any], base: Path, where: str) -> DataConfig:
    table = Table(data, f"{where} ", TrainConfigError)
    table.only({f.name for f in attrs.fields(DataConfig)}, where)
    source = data.get("source")
    if source not in SOURCES:
        raise TrainConfigError(f"{where} source must be one of {', '.join(SOURCES)}, got {source!r}")
    needs = {
        "codec": ("images", "codec", "qualities"),
        "manifest": ("manifest",),
        "pairs": ("inputs", "targets"),
        "images": ("images",),
    }[source]
    missing = [key for key in needs if not data.get(key)]
    if missing:
        raise TrainConfigError(f"{where} source = {source!r} needs {', '.join(missing)}")

    def path(key: str) -> str | None:
        value = table.get(key, str)
        return str(_resolve(base, value)) if value else None

    qualities = data.get("qualities", [])
    if not isinstance(qualities, list):
        raise TrainConfigError(f"{where} qualities must be a list of integers, got {qualities!r}")
    return DataConfig(
        source=source,
        images=tuple(str(_resolve(base, p)) for p in table.str_list("images") or ()),
        ids=path("ids"),
        limit=table.get("limit", int),
        codec=table.get("codec", str),
        qualities=tuple(_integer(f"{where} qualities", q) for q in qualities),
        manifest=path("manifest"),
        inputs=path("inputs"),
        targets=path("targets"),
    )


def _rate_distortion(table: Any) -> RateDistortionConfig:
    where = "[rate_distortion]"
    if not isinstance(table, Mapping):
        raise TrainConfigError(f"{where} must be a table")
    Table(table, error=TrainConfigError).only(_RD_KEYS, where)
    missing = [key for key in ("codec", "qualities", "lambda", "distortion") if key not in table]
    if missing:
        raise TrainConfigError(f"{where} needs {', '.join(missing)}")
    qualities = table["qualities"]
    if not (
        isinstance(qualities, list)
        and len(qualities) == 2
        and all(isinstance(q, int) for q in qualities)
        and qualities[0] <= qualities[1]
    ):
        raise TrainConfigError(f"{where} qualities must be [low, high] integers, got {qualities!r}")
    lmbda = table["lambda"]
    if not isinstance(lmbda, (int, float)) or not math.isfinite(lmbda) or lmbda <= 0:
        raise TrainConfigError(f"{where} lambda must be a positive number, got {lmbda!r}")
    terms = table["distortion"]
    if (
        not isinstance(terms, Mapping)
        or not terms
        or not all(isinstance(w, (int, float)) and math.isfinite(w) and w > 0 for w in terms.values())
    ):
        raise TrainConfigError(
            f'{where} distortion must map metric names to positive weights, e.g. {{ "ms-ssim" = 0.8, "mae" = 0.2 }}'
        )
    form = table.get("form", "linear")
    if form not in RD_FORMS:
        raise TrainConfigError(f"{where} form must be one of {', '.join(RD_FORMS)}, got {form!r}")
    val_qualities = table.get("val_qualities", [qualities[0], (qualities[0] + qualities[1]) // 2, qualities[1]])
    if not isinstance(val_qualities, list) or not val_qualities or not all(isinstance(q, int) for q in val_qualities):
        raise TrainConfigError(f"{where} val_qualities must be a list of integers, got {val_qualities!r}")
    return RateDistortionConfig(
        codec=str(table["codec"]),
        qualities=(qualities[0], qualities[1]),
        lmbda=float(lmbda),
        distortion=tuple((str(k), float(v)) for k, v in terms.items()),
        form=form,
        val_qualities=tuple(val_qualities),
    )


def _check(config: TrainConfig) -> None:
    """Every number and switch, before any work: a NaN, a string or a bool where a count belongs is an error."""
    for key in ("patch_width", "patch_height", "stride", "batch", "epochs", "checkpoint_every"):
        _integer(f"[train] {key}", getattr(config, key), positive=True)
    for key in ("max_steps", "threads", "val_every"):
        if getattr(config, key) is not None:
            _integer(f"[train] {key}", getattr(config, key), positive=True)
    _integer("[train] seed", config.seed)
    for key in ("augment", "amp", "channels_last"):
        if not isinstance(getattr(config, key), bool):
            raise TrainConfigError(f"[train] {key} must be true or false, got {getattr(config, key)!r}")
    if config.loss not in LOSSES:
        raise TrainConfigError(f"[train] loss must be one of {', '.join(LOSSES)}, got {config.loss!r}")
    if not (_is_number(config.val_fraction) and 0 <= config.val_fraction < 1):
        raise TrainConfigError(f"[data] val_fraction must be in [0, 1), got {config.val_fraction!r}")
    if not (_is_number(config.lr) and config.lr > 0):
        raise TrainConfigError(f"[train] lr must be a positive number, got {config.lr!r}")
    for data, where in ((config.data, "[data]"), (config.val, "[data.val]")):
        if data is not None and data.limit is not None:
            _integer(f"{where} limit", data.limit, positive=True)
    if (config.data.source == "images") != (config.rate_distortion is not None):
        raise TrainConfigError(
            '[data] source = "images" (originals only) goes with a [rate_distortion] table, and only with it'
        )
    if config.rate_distortion is not None:
        grid = {"patch_width": config.patch_width, "patch_height": config.patch_height, "stride": config.stride}
        off_grid = [f"{key} = {value}" for key, value in grid.items() if value % 16]
        if off_grid:
            raise TrainConfigError(
                f"[train] {', '.join(off_grid)}: rate-distortion patches must sit on the codecs' "
                "16-pixel macroblock grid (multiples of 16)"
            )


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _integer(where: str, value: Any, positive: bool = False) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or (positive and value < 1):
        raise TrainConfigError(f"{where} must be a {'positive ' if positive else ''}integer, got {value!r}")
    return value


def check_runnable(config: TrainConfig) -> None:
    """What the TOML alone cannot tell, checked before any work: the backbone spec builds (names, values)
    and the device exists on this machine."""
    from ..nn.method import DEVICE_ENV

    try:
        plugin_registry(config.plugin_modules).create("backbone", config.backbone)
    except (KuchenError, ValueError) as exc:
        raise TrainConfigError(f"[model] backbone {config.backbone!r}: {exc}") from None
    device = (os.environ.get(DEVICE_ENV) or "auto") if config.device == "auto" else config.device
    if not re.fullmatch(r"auto|cpu|mps|cuda(:\d+)?", device):
        raise TrainConfigError(f"device {device!r} is not one of auto, cpu, cuda, cuda:N, mps")
    if device.startswith("cuda") or device == "mps":
        import torch

        count = torch.cuda.device_count() if device.startswith("cuda") else int(torch.backends.mps.is_available())
        index = int(device.split(":")[1]) if ":" in device else 0
        if index >= count:
            raise TrainConfigError(
                f"device {device!r}: this machine's torch {torch.__version__} sees "
                f"{count} such device(s); use --device cpu (or auto)"
            )


def _resolve(base: Path, value: str) -> Path:
    path = Path(os.path.expanduser(value))
    return path if path.is_absolute() else base / path
