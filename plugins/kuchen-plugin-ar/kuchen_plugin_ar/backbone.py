"""``arnet``: the backbone of the ``ar`` method, declared without importing torch."""

from __future__ import annotations

from typing import Any

from kuchen_core import Backbone, BackboneInfo, Param


class ArNetBackbone(Backbone):
    info = BackboneInfo(
        name="arnet",
        description="compact artifact-removal CNN (DnCNN-style residual, run at half resolution after pixel-unshuffle)",
        params=(
            Param("features", 64, "channels of the hidden convolutions", minimum=1),
            Param("layers", 8, "3x3 convolutions in all (receptive field grows by 4 px per layer)", minimum=2),
        ),
    )

    def build(self) -> Any:
        from .arch import ArNet

        return ArNet(self.params["features"], self.params["layers"])

    def library_versions(self) -> dict[str, str]:
        import torch

        return {"torch": torch.__version__}
