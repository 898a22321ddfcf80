"""The shipped RRDB post-filters: ``rrdb-jpeg`` and ``rrdb-hevc``, each in the post-processing
paper's two sizes (``blocks=1`` and ``blocks=2``), trained by Kuchen on CBSD432 decoded at
four qualities of that codec. Use them after decoding: ``kuchen decode --post rrdb-jpeg``."""

from __future__ import annotations

from pathlib import Path

from kuchen_core import MethodInfo, Param
from kuchen_core.nn import NetworkMethod

WEIGHTS = Path(__file__).parent / "weights"
BLOCKS = Param("blocks", 1, "RRDB blocks of the network: 1 or 2 (the paper's l)", choices=(1, 2))


class _RRDBPostFilter(NetworkMethod):
    codec: str

    def checkpoint_path(self) -> Path:
        return WEIGHTS / f"{self.codec}-l{self.params['blocks']}.safetensors"


class JpegPostFilter(_RRDBPostFilter):
    codec = "jpeg"
    info = MethodInfo(
        name="rrdb-jpeg",
        description="RRDB post-filter that removes JPEG coding noise from decoded images (trained for q 20-50)",
        params=(BLOCKS,),
    )


class HevcPostFilter(_RRDBPostFilter):
    codec = "hevc"
    info = MethodInfo(
        name="rrdb-hevc",
        description="RRDB post-filter that removes HEVC (x265) coding noise from decoded images (trained for q 20-50)",
        params=(BLOCKS,),
    )
