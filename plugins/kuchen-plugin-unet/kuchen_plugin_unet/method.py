"""``kuchen``: the shipped U-Net as a method — the Kuchen paper's pre-processing, learned from
labels that trade ``vqscore`` against JPEG bits per pixel, run in one pass before any codec."""

from __future__ import annotations

from pathlib import Path

from kuchen_core import MethodInfo
from kuchen_core.nn import NetworkMethod

WEIGHTS = Path(__file__).parent / "weights" / "kuchen.safetensors"


class KuchenPreprocessing(NetworkMethod):
    info = MethodInfo(
        name="kuchen",
        description="Kuchen pre-processing: a U-Net trained by Kuchen on BSDS500 labels of the paper's pool "
        "(guetzli, ar, nlmeans, detail; K=2) scored by vqscore against JPEG bpp",
    )

    def checkpoint_path(self) -> Path:
        return WEIGHTS
