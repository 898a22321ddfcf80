"""``NetworkMethod``: a method whose work is a trained network from a checkpoint.

Subclasses say where the checkpoint is (a path parameter for ``model:``, shipped weights for
``ar`` or ``kuchen``); loading happens on first use and once per object, so listing plugins
and building pools never imports torch.
"""

from __future__ import annotations

import os
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from ..interfaces import Method
from ..runtime.files import file_sha256
from .checkpoint import Checkpoint, load_checkpoint
from .tiling import run_tiled

DEVICE_ENV = "KUCHEN_DEVICE"


def pick_device(requested: str | None = None) -> str:
    """``cuda`` when available, else ``cpu``; ``requested`` or ``KUCHEN_DEVICE`` override."""
    choice = requested or os.environ.get(DEVICE_ENV) or "auto"
    if choice != "auto":
        return choice
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def checkpoint_digest(path: Path) -> str:
    """The first 16 hex digits of the file's sha256 (``missing`` if absent: loading will say so)."""
    try:
        stat = Path(path).stat()
    except OSError:
        return "missing"
    return _digest(str(Path(path).resolve()), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=64)
def _digest(path: str, mtime_ns: int, size: int) -> str:
    return file_sha256(path)[:16]


class NetworkMethod(Method):
    """Runs a checkpoint's network over the image in overlapping tiles (bounded memory)."""

    tile: int = 512
    overlap: int = 32

    def checkpoint_path(self) -> Path:
        raise NotImplementedError

    @cached_property
    def checkpoint(self) -> Checkpoint:
        return load_checkpoint(self.checkpoint_path(), device=pick_device())

    def apply(self, image: np.ndarray) -> np.ndarray:
        ckpt = self.checkpoint
        device = next(ckpt.model.parameters()).device.type
        return run_tiled(ckpt.model, image, tile=self.tile, overlap=self.overlap, device=device)

    def library_versions(self) -> dict[str, str]:
        """torch's version and the checkpoint's content digest: retrained weights must miss the caches."""
        import torch

        return {"torch": torch.__version__, "weights": checkpoint_digest(self.checkpoint_path())}

    def __getstate__(self) -> dict[str, Any]:
        """Process pools pickle methods: send parameters, reload the network in the worker."""
        state = dict(self.__dict__)
        state.pop("checkpoint", None)
        return state
