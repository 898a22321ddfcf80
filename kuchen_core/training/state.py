"""Resume state without pickles: weights and optimizer tensors in safetensors, the rest in JSON.

A snapshot is a folder ``step-N/``; ``LATEST`` names the newest complete one and is replaced
atomically after the folder is fully written, so a kill at any instant leaves a usable snapshot.
The snapshot before it is kept too: when the newest is damaged (a truncated file, a full disk),
training resumes from that one instead.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any, Callable

from ..errors import KuchenError
from ..runtime.files import write_atomic
from ..nn.checkpoint import CheckpointError, read_shapes, save_checkpoint

POINTER = "LATEST"


class SnapshotError(KuchenError):
    """No snapshot of the output folder can be resumed from."""


def save_snapshot(out: Path, model: Any, optimizer: Any, backbone: str, state: dict[str, Any]) -> Path:
    import torch
    from safetensors.torch import save_file

    folder = out / f"step-{state['step']}"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    save_checkpoint(folder / "model.safetensors", model, backbone, {"step": state["step"]})
    optimizer_state = optimizer.state_dict()
    tensors = {
        f"{index}.{key}": torch.as_tensor(value).detach().to("cpu").contiguous()
        for index, values in optimizer_state["state"].items()
        for key, value in values.items()
    }
    save_file(tensors, str(folder / "optimizer.safetensors"))
    (folder / "state.json").write_text(json.dumps({**state, "param_groups": optimizer_state["param_groups"]}, indent=1))
    write_atomic(out / POINTER, folder.name)
    older = sorted((f for f in out.glob("step-*") if f != folder), key=_step, reverse=True)
    for old in older[1:]:  # the newest older one stays: the fallback if this one turns out damaged
        shutil.rmtree(old, ignore_errors=True)
    return folder


def find_snapshot(out: Path, log: Callable[[str], None]) -> tuple[Path, dict[str, Any]] | None:
    """The newest complete snapshot and its state; a damaged one is reported in one line and the one
    before it used. ``None`` when there is none to resume from; a :class:`SnapshotError` when every one
    is damaged."""
    folders = sorted(out.glob("step-*"), key=_step, reverse=True)
    problems = []
    for folder in folders:
        try:
            state = json.loads((folder / "state.json").read_text())
            for name in ("model.safetensors", "optimizer.safetensors"):
                read_shapes(folder / name)
        except (OSError, ValueError, CheckpointError) as exc:
            problems.append(f"{folder.name}: {exc}")
            left = "trying the one before" if folder != folders[-1] else "none left"
            log(f"snapshot {folder} is damaged ({exc}); {left}")
            continue
        if isinstance(state, dict):
            return folder, state
        problems.append(f"{folder.name}: state.json is not an object")
    if problems and (out / POINTER).exists():
        raise SnapshotError(
            f"{out}: no usable snapshot to resume from ({'; '.join(problems)}); "
            "choose another --out, or remove the step-* folders and LATEST to start afresh"
        )
    return None


def load_snapshot(folder: Path, model: Any, optimizer: Any) -> dict[str, Any]:
    """Restore model and optimizer from the snapshot ``folder`` (one :func:`find_snapshot` returned)."""
    from safetensors.torch import load_file

    state = json.loads((folder / "state.json").read_text())
    try:
        model.load_state_dict(load_file(str(folder / "model.safetensors")), strict=True)
        tensors: dict[int, dict[str, Any]] = {}
        for name, tensor in load_file(str(folder / "optimizer.safetensors")).items():
            index, key = name.split(".", 1)
            tensors.setdefault(int(index), {})[key] = tensor
        optimizer.load_state_dict({"state": tensors, "param_groups": state.pop("param_groups")})
    except Exception as exc:  # safetensors' own errors, a shape that does not fit
        raise SnapshotError(f"{folder}: cannot resume from this snapshot ({exc})") from None
    return state


def _step(folder: Path) -> int:
    try:
        return int(folder.name.split("-", 1)[1])
    except ValueError:
        return -1
