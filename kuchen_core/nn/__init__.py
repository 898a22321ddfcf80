"""Networks as plugins' tools: safetensors checkpoints, bounded-memory tiled inference, and
``NetworkMethod`` — the base that turns any checkpoint into a method.

Everything here imports torch lazily, so importing ``kuchen_core.nn`` stays cheap.
"""

from __future__ import annotations

from .checkpoint import load_checkpoint, save_checkpoint, sidecar_path
from .method import NetworkMethod, pick_device
from .tiling import run_tiled

__all__ = [
    "NetworkMethod",
    "load_checkpoint",
    "pick_device",
    "run_tiled",
    "save_checkpoint",
    "sidecar_path",
]
