"""``model``: run any ``kuchen train`` checkpoint as a method.

The checkpoint's JSON names its backbone, so the backbone's plugin must be installed; the
weights are read with safetensors (never unpickled). ``path`` is the first parameter, so
``model:runs/ar/best.safetensors`` works wherever a method spec is accepted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kuchen_core import MethodInfo, Param
from kuchen_core.nn import NetworkMethod


class CheckpointMethod(NetworkMethod):
    info = MethodInfo(
        name="model",
        description="a trained checkpoint (kuchen train) as a method: model:path/to/best.safetensors",
        params=(
            Param("path", "", "checkpoint weights (.safetensors, with its .json beside it)"),
            Param("tile", 512, "tile side for inference (bounds memory on large images)", minimum=8),
            Param("overlap", 32, "context pixels around each tile", minimum=0),
        ),
    )

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        if not self.params["path"]:
            raise ValueError("model: give the checkpoint path, e.g. model:runs/train/best.safetensors")
        self.tile = self.params["tile"]
        self.overlap = self.params["overlap"]

    def checkpoint_path(self) -> Path:
        return Path(self.params["path"])
