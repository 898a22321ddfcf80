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
from ..runtime.config import ConfigError, Table, read_settings, read_toml, setting
from ..runtime.provenance import plugin_registry

SOURCES = ("manifest", "codec", "pairs", "images")
LOSSES = ("mse", "l1", "psnr")
RD_FORMS = ("linear", "relative")
NEEDS = {
    "codec": ("images", "codec", "qualities"),
    "manifest": ("manifest",),
    "pairs": ("inputs", "targets"),
    "images": ("images",),
}  # the keys each data source reads
NUMBER = (int, float)  # kept as written: an int learning rate fingerprints as before


class TrainConfigError(ConfigError):
    """The training configuration is invalid; the message names the key."""


def _integers(values: list[Any], earlier: Mapping[str, Any]) -> str | None:
    return None if all(isinstance(v, int) and not isinstance(v, bool) for v in values) else "a list of integers"


def _some_integers(values: list[Any], earlier: Mapping[str, Any]) -> str | None:
    return _integers(values, earlier) if values else "a list of integers"


def _below_one(value: float, earlier: Mapping[str, Any]) -> str | None:
    return None if value < 1 else "in [0, 1)"


def _positive(value: float, earlier: Mapping[str, Any]) -> str | None:
    return None if math.isfinite(value) and value > 0 else "a positive number"


def _count(default: int | None, table: str | None = "train") -> Any:
    return setting(default, table=table, kind=int, minimum=1, must="a positive integer")


def _switch(default: bool) -> Any:
    return setting(default, table="train", kind=bool, must="true or false")


@attrs.frozen(kw_only=True)
class DataConfig:
    """Where (input, target) pairs come from — see ``pairs.py`` for each source."""

    source: str = setting(kind=str, required=True, choices=SOURCES, must=f"one of {', '.join(SOURCES)}")
    images: tuple[str, ...] = setting((), parse=Table.strings)
    ids: str | None = setting(None, kind=str)
    limit: int | None = _count(None, table=None)
    codec: str | None = setting(None, kind=str)
    qualities: tuple[int, ...] = setting((), kind=list, must="a list of integers", check=_integers, converter=tuple)
    manifest: str | None = setting(None, kind=str)
    inputs: str | None = setting(None, kind=str)
    targets: str | None = setting(None, kind=str)

    def describe(self) -> dict[str, Any]:
        return {k: v for k, v in attrs.asdict(self).items() if v not in (None, ())}


def _low_high(qualities: list[Any], earlier: Mapping[str, Any]) -> str | None:
    ints = len(qualities) == 2 and _integers(qualities, earlier) is None
    return None if ints and qualities[0] <= qualities[1] else "[low, high] integers"


def _distortion(table: Table, key: str) -> tuple[tuple[str, float], ...]:
    terms = table.data[key]
    if (
        not isinstance(terms, Mapping)
        or not terms
        or not all(isinstance(w, (int, float)) and math.isfinite(w) and w > 0 for w in terms.values())
    ):
        raise TrainConfigError(
            f'{table.where(key)} must map metric names to positive weights, e.g. {{ "ms-ssim" = 0.8, "mae" = 0.2 }}'
        )
    return tuple((str(k), float(v)) for k, v in terms.items())


@attrs.frozen(kw_only=True)
class RateDistortionConfig:
    """The rate-aware objective: the network's output goes through ``codec``'s twin at a quality
    drawn uniformly from ``qualities`` (inclusive integers), and the loss is
    ``bpp + lambda·D`` (``form = "linear"``) or ``bits/bits₀ + lambda·D/D₀`` (``form = "relative"``,
    ₀ being the untouched image through the twin),
    D = Σ weight·loss form of each ``distortion`` metric against the original."""

    codec: str = setting(kind=str, required=True)
    qualities: tuple[int, int] = setting(kind=list, check=_low_high, converter=tuple)
    lmbda: float = setting(key="lambda", kind=float, required=True, must="a positive number", check=_positive)
    distortion: tuple[tuple[str, float], ...] = setting(parse=_distortion)
    form: str = setting("linear", kind=str, choices=RD_FORMS, must=f"one of {', '.join(RD_FORMS)}")
    val_qualities: tuple[int, ...] = setting(
        attrs.Factory(lambda self: (self.qualities[0], sum(self.qualities) // 2, self.qualities[1]), takes_self=True),
        kind=list,
        must="a list of integers",
        check=_some_integers,
        converter=tuple,
    )


def _rate_distortion(top: Table, key: str) -> RateDistortionConfig:
    """The objective's table: every key it cannot do without is named at once."""
    table = top.table(key, required=False)
    missing = [name for name in ("codec", "qualities", "lambda", "distortion") if name not in table]
    if missing:
        raise TrainConfigError(f"[{table.path}] needs {', '.join(missing)}")
    return read_settings(RateDistortionConfig, table)


@attrs.frozen(kw_only=True)
class TrainConfig:
    backbone: str = setting(
        table="model", kind=str, required=True, missing='[model] backbone is required, e.g. backbone = "unet(width=32)"'
    )
    plugin_modules: tuple[str, ...] = setting((), table="model", parse=Table.strings)
    init: str | None = setting(None, table="model", kind=str)
    data: DataConfig = setting(required=True, missing="missing the [data] table", nested=DataConfig)
    val: DataConfig | None = setting(None, table="data", nested=DataConfig)
    rate_distortion: RateDistortionConfig | None = setting(None, nested=RateDistortionConfig, parse=_rate_distortion)
    val_fraction: float = setting(0.1, table="data", kind=float, minimum=0, must="in [0, 1)", check=_below_one)
    patch_width: int = _count(320)
    patch_height: int = _count(180)
    stride: int = _count(160)
    batch: int = _count(4)
    lr: float = setting(1e-4, table="train", kind=NUMBER, must="a positive number", check=_positive)
    loss: str = setting("mse", table="train", kind=str, choices=LOSSES, must=f"one of {', '.join(LOSSES)}")
    epochs: int = _count(10)
    max_steps: int | None = _count(None)
    seed: int = setting(0, table="train", kind=int, must="an integer")
    augment: bool = _switch(True)
    device: str = setting("auto", table="train", kind=str)
    amp: bool = _switch(True)
    channels_last: bool = _switch(True)
    threads: int | None = _count(None)
    checkpoint_every: int = _count(200)
    val_every: int | None = _count(None)
    out: str = setting("runs/train", table="train", kind=str)

    def as_dict(self) -> dict[str, Any]:
        return json.loads(json.dumps(attrs.asdict(self), default=list))

    def fingerprint(self) -> str:
        """What must match for a resume to continue the same run (not where it is written)."""
        fields = {
            k: v for k, v in self.as_dict().items() if k not in {"out", "device", "threads", "max_steps", "epochs"}
        }
        return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()[:16]


def load_train_config(path: str | os.PathLike, overrides: Mapping[str, Any] | None = None) -> TrainConfig:
    """Read a TOML config; relative data paths are relative to the config file's folder."""
    return parse_train_config(read_toml(path, TrainConfigError), base=Path(path).parent, overrides=overrides)


def parse_train_config(
    data: Mapping[str, Any], base: Path = Path("."), overrides: Mapping[str, Any] | None = None
) -> TrainConfig:
    """Read and check every key (``overrides``: command-line values for ``[train]`` keys, None = not
    given), then resolve the paths against ``base``."""
    config = read_settings(TrainConfig, Table(data, error=TrainConfigError, bracketed=True), overrides, "the top level")
    _check(config)
    return attrs.evolve(
        config,
        init=_path(base, config.init),
        data=_data_paths(base, config.data),
        val=_data_paths(base, config.val) if config.val is not None else None,
        out=str(_resolve(base, config.out)),
    )


def _data_paths(base: Path, data: DataConfig) -> DataConfig:
    return attrs.evolve(
        data,
        images=tuple(str(_resolve(base, p)) for p in data.images),
        ids=_path(base, data.ids),
        manifest=_path(base, data.manifest),
        inputs=_path(base, data.inputs),
        targets=_path(base, data.targets),
    )


def _path(base: Path, value: str | None) -> str | None:
    return str(_resolve(base, value)) if value else None


def _check(config: TrainConfig) -> None:
    """What one key alone cannot tell: the keys each data source needs, the objective that goes with
    originals-only data, and patches on the codecs' block grid."""
    for data, where in ((config.data, "[data]"), (config.val, "[data.val]")):
        missing = [key for key in NEEDS[data.source] if not getattr(data, key)] if data is not None else []
        if data is not None and missing:
            raise TrainConfigError(f"{where} source = {data.source!r} needs {', '.join(missing)}")
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
