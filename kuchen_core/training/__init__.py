"""``kuchen train``: fit any registered backbone on (input, target) pairs, resumably."""

from __future__ import annotations

from .config import DataConfig, TrainConfigError, load_train_config, parse_train_config
from .loop import train
from .pairs import load_pairs

__all__ = [
    "DataConfig",
    "TrainConfigError",
    "load_pairs",
    "load_train_config",
    "parse_train_config",
    "train",
]
