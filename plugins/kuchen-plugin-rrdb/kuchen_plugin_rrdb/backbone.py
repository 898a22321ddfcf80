"""The ``rrdb`` backbone declaration; torch is imported only inside ``build``/``library_versions``."""

from __future__ import annotations

from typing import Any

from kuchen_core import Backbone, BackboneInfo, Param


class RRDBBackbone(Backbone):
    """Builds the RRDB post-filter of Shindo et al. that removes coding noise from decoded images."""

    info = BackboneInfo(
        name="rrdb",
        description="ESRGAN residual-in-residual dense blocks without upsampling, global residual "
        "output = input + predicted correction, identity at initialisation",
        params=(
            Param(
                "blocks", 1, "RRDB blocks (3 dense blocks each); the post-processing paper compares 1 and 2", minimum=1
            ),
            Param("features", 32, "channels of the trunk", minimum=1),
            Param("growth", 16, "channels each dense-block conv adds", minimum=1),
            Param(
                "unshuffle",
                1,
                "run the blocks at 1/unshuffle resolution after pixel-unshuffle "
                "(Real-ESRGAN's trick): unshuffle=2 costs about a quarter per pixel",
                choices=(1, 2, 4),
            ),
        ),
    )

    def build(self) -> Any:
        from .arch import RRDBNet

        return RRDBNet(**self.params)

    def library_versions(self) -> dict[str, str]:
        import torch

        return {"torch": str(torch.__version__)}
