"""The shipped VQNet weights (or a user's own), loaded once per file without unpickling anything.
They are a Kuchen checkpoint (:mod:`kuchen_core.nn.checkpoint`): ``NAME.safetensors`` holds the
tensors, ``NAME.json`` beside it names the network (``vqnet``) and records its architecture, crop
size and how the weights were made."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from kuchen_core.nn.checkpoint import CheckpointError, check_fits, load_weights, read_meta, read_shapes, save_checkpoint

WEIGHTS = Path(__file__).parent / "weights" / "vqscore.safetensors"
ARCH_KEYS = ("width", "dim", "layers", "heads")
NETWORK = "vqnet"  # the checkpoint's backbone field: VQNet is built here, not by the registry


def read_record(weights: Path) -> dict[str, Any]:
    record = read_meta(weights)
    if record["backbone"] != NETWORK:
        raise CheckpointError(f"vqscore: {weights} holds a {record['backbone']!r} network, not vqscore's {NETWORK!r}")
    return record


@lru_cache(maxsize=4)
def load_network(weights: Path) -> tuple[Any, dict[str, Any]]:
    """The network in eval mode and its record; weights that do not fit the recorded architecture,
    or hold NaN or infinite values, are refused."""
    from .arch import VQNet

    if not weights.is_file():
        raise CheckpointError(f"vqscore: no weights at {weights}")
    record = read_record(weights)
    net = VQNet(**{k: record["arch"][k] for k in ARCH_KEYS})
    planned = {name: tuple(tensor.shape) for name, tensor in net.state_dict().items()}
    check_fits(weights, NETWORK, read_shapes(weights), planned)
    net.load_state_dict(load_weights(weights), strict=True)
    return net.eval(), record


def save_network(weights: Path, net: Any, record: dict[str, Any]) -> None:
    """Write weights then record, each atomically."""
    save_checkpoint(weights, net, NETWORK, record)
