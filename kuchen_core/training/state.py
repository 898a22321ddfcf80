"""Resume state without pickles: weights and optimizer tensors in safetensors, the rest in JSON.

A snapshot is a folder ``step-N/``; ``LATEST`` names the newest complete one and is replaced
atomically after the folder is fully written, so a kill at any instant leaves a usable snapshot.
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from ..nn.checkpoint import save_checkpoint

POINTER = "LATEST"


def save_snapshot(out: Path, model: Any, optimizer: Any, backbone: str, state: dict[str, Any]) -> Path:
    from safetensors.torch import save_file

    folder = out / f"step-{state['step']}"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    save_checkpoint(folder / "model.safetensors", model, backbone, {"step": state["step"]})
    tensors, groups = _flatten_optimizer(optimizer.state_dict())
    save_file(tensors, str(folder / "optimizer.safetensors"))
    (folder / "state.json").write_text(json.dumps({**state, "param_groups": groups}, indent=1))
    tmp = out / f".{POINTER}.tmp"
    tmp.write_text(folder.name)
    os.replace(tmp, out / POINTER)
    for old in out.glob("step-*"):
        if old != folder:
            shutil.rmtree(old, ignore_errors=True)
    return folder


def load_snapshot(out: Path, model: Any, optimizer: Any) -> dict[str, Any] | None:
    """Restore model and optimizer from the newest snapshot; ``None`` when there is none."""
    from safetensors.torch import load_file

    pointer = out / POINTER
    if not pointer.is_file():
        return None
    folder = out / pointer.read_text().strip()
    state = json.loads((folder / "state.json").read_text())
    model.load_state_dict(load_file(str(folder / "model.safetensors")), strict=True)
    tensors = load_file(str(folder / "optimizer.safetensors"))
    optimizer.load_state_dict(_unflatten_optimizer(tensors, state.pop("param_groups")))
    return state


def read_snapshot_state(out: Path) -> dict[str, Any] | None:
    pointer = out / POINTER
    if not pointer.is_file():
        return None
    return json.loads((out / pointer.read_text().strip() / "state.json").read_text())


def _flatten_optimizer(state_dict: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    import torch

    tensors = {}
    for index, values in state_dict["state"].items():
        for key, value in values.items():
            tensor = value if isinstance(value, torch.Tensor) else torch.tensor(value)
            tensors[f"{index}.{key}"] = tensor.detach().to("cpu").contiguous()
    return tensors, state_dict["param_groups"]


def _unflatten_optimizer(tensors: dict[str, Any], groups: list[dict[str, Any]]) -> dict[str, Any]:
    state: dict[int, dict[str, Any]] = {}
    for name, tensor in tensors.items():
        index, key = name.split(".", 1)
        state.setdefault(int(index), {})[key] = tensor
    return {"state": state, "param_groups": groups}
