"""The ``blockedit`` backbone declaration; torch is imported only inside ``build``/``library_versions``."""
from __future__ import annotations

from typing import Any

from kuchen_core import Backbone, BackboneInfo, Param


class BlockEditBackbone(Backbone):
    """Builds the block-DCT pre-editor that rate-aware training fits to a codec's twin."""

    info = BackboneInfo(
        name="blockedit",
        description="quality-conditioned pre-editor: per-coefficient gains and offsets on the image's 8×8 DCT "
                    "grid, predicted by a small CNN over the blocks (identity when untrained)",
        params=(
            Param("width", 64, "channels of the CNN over the block grid", minimum=1),
            Param("layers", 3, "3×3 conv layers over the block grid (each widens the view by one block a side)",
                  minimum=0),
        ),
    )

    def build(self) -> Any:
        from .arch import BlockEditNet

        return BlockEditNet(**self.params)

    def library_versions(self) -> dict[str, str]:
        import torch

        return {"torch": str(torch.__version__)}
