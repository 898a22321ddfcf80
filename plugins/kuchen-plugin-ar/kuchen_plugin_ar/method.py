"""``ar``: the shipped ArNet weights as a method — before a codec (the paper's AR baseline in
the pool) or after decoding (``kuchen decode --post ar``)."""

from __future__ import annotations

from pathlib import Path

from kuchen_core import MethodInfo
from kuchen_core.nn import NetworkMethod

WEIGHTS = Path(__file__).parent / "weights" / "ar.safetensors"


class ArtifactRemoval(NetworkMethod):
    info = MethodInfo(
        name="ar",
        description="JPEG artifact removal: a compact CNN (arnet) trained by Kuchen on BSDS500 CBSD432 at JPEG q 10-60",
    )

    def checkpoint_path(self) -> Path:
        return WEIGHTS
