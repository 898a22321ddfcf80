"""The ``deadzone`` backbone declaration; torch is imported only inside ``build``/``library_versions``."""

from __future__ import annotations

from typing import Any

from kuchen_core import Backbone, BackboneInfo, Param


class DeadZoneBackbone(Backbone):
    """Builds the dead-zone pre-editor that rate-aware training fits to a block codec's twin."""

    info = BackboneInfo(
        name="deadzone",
        description="pre-editor for block codecs (their twins' grid): a learned, content-adaptive dead zone per DCT "
        "coefficient at the encode quality's quantiser steps, applied in pixels (a fixed dead zone untrained)",
        params=(
            Param("width", 32, "channels of each CNN over the block grid (one for luma, one for chroma)", minimum=1),
            Param(
                "layers", 2, "3×3 conv layers over the block grid (each widens the view by one block a side)", minimum=0
            ),
            Param(
                "luma_zone",
                0.1,
                "dead zone (in quantiser steps) of every luma AC coefficient before training",
                minimum=0.0,
                maximum=0.45,
            ),
            Param(
                "chroma_zone",
                0.0,
                "dead zone of every chroma AC coefficient before training",
                minimum=0.0,
                maximum=0.45,
            ),
            Param("chroma", True, "edit chroma too (false: luma only; SSIMULACRA 2 punishes chroma dead zones)"),
            Param(
                "block",
                8,
                "DCT block size (jpeg: 8, its twin's; a flat-step twin's steps fit any size)",
                choices=(4, 8),
            ),
        ),
    )

    def build(self) -> Any:
        from .arch import DeadZoneNet

        return DeadZoneNet(**self.params)

    def library_versions(self) -> dict[str, str]:
        import torch

        return {"torch": str(torch.__version__)}
