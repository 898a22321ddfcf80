"""Checkpoints are two files: ``NAME.safetensors`` (weights only — loading never unpickles)
and ``NAME.json`` beside it (backbone spec, training config, data hash, validation scores).

The backbone spec in the JSON is what rebuilds the network by name through the registry, so a
checkpoint made with any installed backbone plugin can be loaded anywhere that plugin is installed.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import attrs

from ..errors import KuchenError
from ..registry import get_registry
from ..runtime.files import atomic_output, write_atomic

FORMAT = "kuchen-checkpoint/1"
HEADER_LIMIT = 100 * 2**20  # safetensors' own limit on the JSON header


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
    module = getattr(model, "module", model)  # the network inside a DistributedDataParallel wrapper
    state = {k: v.detach().to("cpu").contiguous() for k, v in module.state_dict().items()}
    with atomic_output(target) as tmp:
        save_file(state, str(tmp), metadata={"format": FORMAT, "backbone": backbone})
        os.chmod(tmp, 0o644)  # a shipped weights file must be readable by every user, like the JSON
    record = {"format": FORMAT, "backbone": backbone, **(meta or {})}
    write_atomic(sidecar_path(target), json.dumps(record, indent=2, sort_keys=True, default=str) + "\n")
    return target


def read_meta(path: str | os.PathLike) -> dict[str, Any]:
    """The sidecar JSON of a checkpoint, with a clear error when it is missing or foreign."""
    side = sidecar_path(weights_path(path))
    try:
        meta = json.loads(side.read_text())
    except FileNotFoundError:
        raise CheckpointError(
            f"{side}: checkpoint metadata not found (expected beside the .safetensors file)"
        ) from None
    except json.JSONDecodeError as exc:
        raise CheckpointError(f"{side}: not valid JSON ({exc})") from None
    if meta.get("format") != FORMAT or not isinstance(meta.get("backbone"), str):
        raise CheckpointError(f"{side}: not a Kuchen checkpoint (format {meta.get('format')!r})")
    return meta


def load_checkpoint(path: str | os.PathLike, device: str = "cpu") -> Checkpoint:
    """Rebuild the backbone named in the sidecar and load the weights into it (strictly).

    The file's tensor names and shapes (from the safetensors header, nothing loaded) are compared with
    the declared backbone built on torch's ``meta`` device (no memory) first, so a sidecar naming a huge
    network is refused before it is built; non-finite weights are refused after loading."""
    require_torch()
    target = weights_path(path)
    if not target.is_file():
        raise CheckpointError(f"{target}: no such checkpoint")
    meta = read_meta(target)
    shapes = read_shapes(target)
    backbone = get_registry().create("backbone", meta["backbone"])
    check_fits(target, meta["backbone"], shapes, planned_shapes(backbone))
    model = backbone.build()
    state = load_weights(target, device)
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        raise CheckpointError(f"{target}: weights do not fit backbone {meta['backbone']!r}: {exc}") from None
    return Checkpoint(target, meta["backbone"], meta, model.to(device).eval())


def read_shapes(path: Path) -> dict[str, tuple[int, ...]]:
    """Tensor name -> shape from the safetensors header; a damaged or truncated file is a :class:`CheckpointError`."""
    try:
        with open(path, "rb") as handle:
            length = int.from_bytes(handle.read(8), "little")
            if not 2 <= length <= HEADER_LIMIT:
                raise ValueError(f"header length {length}")
            header = json.loads(handle.read(length))
        tensors = {name: info for name, info in header.items() if name != "__metadata__"}
        shapes = {name: tuple(int(n) for n in info["shape"]) for name, info in tensors.items()}
        end = 8 + length + max((int(info["data_offsets"][1]) for info in tensors.values()), default=0)
    except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
        raise CheckpointError(f"{path}: cannot read weights (not a complete safetensors file: {exc})") from None
    size = path.stat().st_size
    if size != end:
        raise CheckpointError(
            f"{path}: cannot read weights (truncated or damaged: {size} bytes, its header describes {end})"
        )
    return shapes


def planned_shapes(backbone: Any) -> dict[str, tuple[int, ...]] | None:
    """The backbone's tensor shapes, built on the ``meta`` device (no memory, no weights); ``None`` for a
    backbone that cannot be built there (its weights are then checked after the real build)."""
    import torch

    try:
        with torch.device("meta"):
            module = backbone.build()
        return {name: tuple(tensor.shape) for name, tensor in module.state_dict().items()}
    except Exception:  # e.g. a build that reads tensors from a file
        return None


def check_fits(
    path: Path, spec: str, found: dict[str, tuple[int, ...]], planned: dict[str, tuple[int, ...]] | None
) -> None:
    """Refuse weights whose names, shapes or parameter count differ from the declared backbone's."""
    if planned is None or planned == found:
        return
    held, wanted = sum(map(math.prod, found.values())), sum(map(math.prod, planned.values()))
    name = (sorted(set(found) ^ set(planned)) or sorted(n for n in found if found[n] != planned[n]))[0]
    raise CheckpointError(
        f"{path}: weights do not fit backbone {spec!r}: the file holds {held:,} parameters in "
        f"{len(found)} tensors, the backbone {wanted:,} in {len(planned)} (first difference: "
        f"{name} {found.get(name, 'missing')} in the file, {planned.get(name, 'missing')} in the backbone)"
    )


def load_weights(path: Path, device: str = "cpu") -> dict[str, Any]:
    """The file's tensors, refused with the file's and the tensor's name when any value is NaN or infinite."""
    import torch
    from safetensors.torch import load_file

    try:
        state = load_file(str(path), device=device)
    except Exception as exc:  # safetensors raises its own error types for corrupt headers
        raise CheckpointError(f"{path}: cannot read weights ({exc})") from None
    for name, tensor in state.items():
        if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
            raise CheckpointError(
                f"{path}: tensor {name} holds non-finite values (NaN or infinity); "
                "refusing weights that would produce garbage"
            )
    return state
