"""Checkpoints are two files: ``NAME.safetensors`` (weights only — loading never unpickles)
and ``NAME.json`` beside it (backbone spec, training config, data hash, validation scores).

The backbone spec in the JSON is what rebuilds the network by name through the registry, so a
checkpoint made with any installed backbone plugin can be loaded anywhere that plugin is installed.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import attrs

from ..errors import KuchenError
from ..registry import get_registry

FORMAT = "kuchen-checkpoint/1"


class CheckpointError(KuchenError):
    """A checkpoint is missing, incomplete or does not fit its backbone."""


@attrs.frozen
class Checkpoint:
    """A loaded checkpoint: the network in eval mode and its metadata."""

    path: Path
    backbone: str
    meta: dict[str, Any]
    model: Any


def require_torch() -> Any:
    """torch (and safetensors) are an optional extra of the core: say how to get them."""
    try:
        import safetensors  # noqa: F401
        import torch
    except ModuleNotFoundError as exc:
        raise KuchenError(f"networks need {exc.name}: pip install 'kuchen-core[train]'") from None
    return torch


def sidecar_path(weights: str | os.PathLike) -> Path:
    """The JSON that travels with ``weights`` (same stem, ``.json``)."""
    return Path(weights).with_suffix(".json")


def weights_path(path: str | os.PathLike) -> Path:
    """Accept ``ckpt``, ``ckpt.safetensors`` or ``ckpt.json`` and return the weights file."""
    path = Path(path)
    return path if path.suffix == ".safetensors" else path.with_suffix(".safetensors")


def save_checkpoint(path: str | os.PathLike, model: Any, backbone: str, meta: dict[str, Any] | None = None) -> Path:
    """Write weights and sidecar atomically (temp file + rename), weights first."""
    require_torch()
    from safetensors.torch import save_file

    target = weights_path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().to("cpu").contiguous() for k, v in _unwrap(model).state_dict().items()}
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    save_file(state, str(tmp), metadata={"format": FORMAT, "backbone": backbone})
    os.chmod(tmp, 0o644)  # a shipped weights file must be readable by every user, like the JSON
    os.replace(tmp, target)
    record = {"format": FORMAT, "backbone": backbone, **(meta or {})}
    side = sidecar_path(target)
    tmp_json = side.with_name(f".{side.name}.{os.getpid()}.tmp")
    tmp_json.write_text(json.dumps(record, indent=2, sort_keys=True, default=str) + "\n")
    os.replace(tmp_json, side)
    return target


def read_meta(path: str | os.PathLike) -> dict[str, Any]:
    """The sidecar JSON of a checkpoint, with a clear error when it is missing or foreign."""
    side = sidecar_path(weights_path(path))
    try:
        meta = json.loads(side.read_text())
    except FileNotFoundError:
        raise CheckpointError(f"{side}: checkpoint metadata not found (expected beside the .safetensors file)") from None
    except json.JSONDecodeError as exc:
        raise CheckpointError(f"{side}: not valid JSON ({exc})") from None
    if meta.get("format") != FORMAT or not isinstance(meta.get("backbone"), str):
        raise CheckpointError(f"{side}: not a Kuchen checkpoint (format {meta.get('format')!r})")
    return meta


def load_checkpoint(path: str | os.PathLike, device: str = "cpu") -> Checkpoint:
    """Rebuild the backbone named in the sidecar and load the weights into it (strictly)."""
    require_torch()
    from safetensors.torch import load_file

    target = weights_path(path)
    if not target.is_file():
        raise CheckpointError(f"{target}: no such checkpoint")
    meta = read_meta(target)
    model = get_registry().create("backbone", meta["backbone"]).build()
    try:
        state = load_file(str(target), device=device)
    except Exception as exc:  # safetensors raises its own error types for corrupt headers
        raise CheckpointError(f"{target}: cannot read weights ({exc})") from None
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        raise CheckpointError(f"{target}: weights do not fit backbone {meta['backbone']!r}: {exc}") from None
    return Checkpoint(target, meta["backbone"], meta, model.to(device).eval())


def _unwrap(model: Any) -> Any:
    """The module inside a DistributedDataParallel or compiled wrapper."""
    return getattr(model, "module", model)
