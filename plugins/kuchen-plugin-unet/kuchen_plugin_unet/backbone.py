"""The ``unet`` backbone declaration; torch is imported only inside ``build``/``library_versions``."""

from __future__ import annotations

from typing import Any

from kuchen_core import Backbone, BackboneInfo, Param


class UNetBackbone(Backbone):
    """Builds the Kuchen U-Net (paper §3.3) that learns the labeler's best preprocessing."""

    info = BackboneInfo(
        name="unet",
        description="Kuchen U-Net (paper §3.3): strided-conv encoder, transposed-conv decoder with skips, "
        "global residual output = input − predicted difference",
        params=(
            Param("width", 32, "channels of the first conv; each deeper level doubles them", minimum=1),
            Param("depth", 3, "down levels (= up levels); inputs are padded to a multiple of 2**depth", minimum=1),
        ),
    )

    def build(self) -> Any:
        from .arch import KuchenUNet

        return KuchenUNet(**self.params)

    def library_versions(self) -> dict[str, str]:
        import torch

        return {"torch": str(torch.__version__)}
