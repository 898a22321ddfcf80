"""The shipped VQNet weights (or a user's own), loaded once per file without unpickling anything:
``NAME.safetensors`` holds the tensors, ``NAME.json`` beside it the architecture, crop size and
the record of how the weights were made."""
from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

WEIGHTS = Path(__file__).parent / "weights" / "vqscore.safetensors"
ARCH_KEYS = ("width", "dim", "layers", "heads")


def read_record(weights: Path) -> dict[str, Any]:
    side = weights.with_suffix(".json")
    try:
        record = json.loads(side.read_text())
    except FileNotFoundError:
        raise FileNotFoundError(f"vqscore: {side} not found (it must lie beside {weights.name})") from None
    if record.get("format") != "kuchen-vqscore/1":
        raise ValueError(f"vqscore: {side} is not a vqscore weights record")
    return record


@lru_cache(maxsize=4)
def load_network(weights: Path) -> tuple[Any, dict[str, Any]]:
    """The network in eval mode and its record."""
    from safetensors.torch import load_file

    from .arch import VQNet

    if not weights.is_file():
        raise FileNotFoundError(f"vqscore: no weights at {weights}")
    record = read_record(weights)
    net = VQNet(**{k: record["arch"][k] for k in ARCH_KEYS})
    net.load_state_dict(load_file(str(weights)), strict=True)
    return net.eval(), record


def save_network(weights: Path, net: Any, record: dict[str, Any]) -> None:
    """Write weights then record, each atomically (temp file + rename)."""
    from safetensors.torch import save_file

    weights.parent.mkdir(parents=True, exist_ok=True)
    tmp = weights.with_name(f".{weights.name}.tmp")
    save_file({k: v.detach().cpu().contiguous() for k, v in net.state_dict().items()}, str(tmp))
    os.chmod(tmp, 0o644)
    os.replace(tmp, weights)
    side = weights.with_suffix(".json")
    tmp_json = side.with_name(f".{side.name}.tmp")
    tmp_json.write_text(json.dumps({"format": "kuchen-vqscore/1", **record}, indent=2) + "\n")
    os.replace(tmp_json, side)
